namespace IngestHub.Broker;

/// <summary>Broker settings. Names in the docs are Kafka's where Kafka has the setting.</summary>
public sealed class BrokerOptions
{
    /// <summary>node.id: this broker's id in Metadata responses.</summary>
    public int NodeId { get; set; } = 1;
    /// <summary>Directory holding partition logs and broker metadata (log.dirs).</summary>
    public string DataDir { get; set; } = "./data";
    /// <summary>Address the Kafka listener binds to.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>Kafka listener port; 0 picks a free port.</summary>
    public int Port { get; set; } = 9092;
    /// <summary>Host clients are told to connect to (advertised.listeners); defaults to the listen address.</summary>
    public string? AdvertisedHost { get; set; }
    /// <summary>Port clients are told to connect to; defaults to the bound port.</summary>
    public int? AdvertisedPort { get; set; }
    /// <summary>socket.request.max.bytes: larger requests are refused before they are buffered.</summary>
    public int SocketRequestMaxBytes { get; set; } = 100 * 1024 * 1024;
    /// <summary>connections.max.idle.ms.</summary>
    public long ConnectionsMaxIdleMs { get; set; } = 600_000;
    /// <summary>auto.create.topics.enable.</summary>
    public bool AutoCreateTopicsEnable { get; set; } = true;
    /// <summary>num.partitions: partitions of an auto-created topic.</summary>
    public int NumPartitions { get; set; } = 3;
    /// <summary>log.retention.ms default for topics that do not set retention.ms (7 days).</summary>
    public long LogRetentionMs { get; set; } = 7L * 24 * 3600 * 1000;
    /// <summary>log.retention.bytes default (-1 = unlimited).</summary>
    public long LogRetentionBytes { get; set; } = -1;
    /// <summary>log.segment.bytes default (1 GiB).</summary>
    public int LogSegmentBytes { get; set; } = 1024 * 1024 * 1024;
    /// <summary>log.roll.ms default (7 days).</summary>
    public long LogRollMs { get; set; } = 7L * 24 * 3600 * 1000;
    /// <summary>message.max.bytes: largest record batch accepted.</summary>
    public int MessageMaxBytes { get; set; } = 1_048_588;
    /// <summary>log.retention.check.interval.ms.</summary>
    public long LogRetentionCheckIntervalMs { get; set; } = 300_000;
    /// <summary>log.flush.interval.messages (null = leave flushing to the page cache).</summary>
    public long? LogFlushIntervalMessages { get; set; }
    /// <summary>log.flush.interval.ms (null = leave flushing to the page cache).</summary>
    public long? LogFlushIntervalMs { get; set; }
    /// <summary>When true, a Produce with acks=all is acknowledged only after its batches are fsynced.</summary>
    public bool FsyncOnAcksAll { get; set; }
    /// <summary>group.initial.rebalance.delay.ms: how long a new group waits for more members before its first rebalance.</summary>
    public int GroupInitialRebalanceDelayMs { get; set; } = 3000;
    /// <summary>group.min.session.timeout.ms.</summary>
    public int GroupMinSessionTimeoutMs { get; set; } = 6000;
    /// <summary>group.max.session.timeout.ms.</summary>
    public int GroupMaxSessionTimeoutMs { get; set; } = 1_800_000;
    /// <summary>offsets.retention.minutes: committed offsets of an empty group expire after this (7 days).</summary>
    public int OffsetsRetentionMinutes { get; set; } = 7 * 24 * 60;
}
