using IngestHub.Broker.Quotas;
using IngestHub.Broker.Security;

namespace IngestHub.Broker;

/// <summary>Broker settings. Names in the docs are Kafka's where Kafka has the setting.</summary>
public sealed class BrokerOptions
{
    /// <summary>node.id: this broker's id in Metadata responses.</summary>
    public int NodeId { get; set; } = 1;
    /// <summary>Directory holding partition logs and broker metadata (log.dirs).</summary>
    public string DataDir { get; set; } = "./data";
    /// <summary>Where partition logs keep their bytes: segment files under <see cref="DataDir"/> (the default), or
    /// memory (nothing survives a restart; for tests and throwaway brokers). Broker metadata stays in DataDir.</summary>
    public IngestHub.Storage.ILogEngine LogEngine { get; set; } = IngestHub.Storage.ILogEngine.Disk;
    /// <summary>Address the Kafka listener binds to.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>Kafka listener port; 0 picks a free port.</summary>
    public int Port { get; set; } = 9092;
    /// <summary>Host clients are told to connect to (advertised.listeners); defaults to the listen address.</summary>
    public string? AdvertisedHost { get; set; }
    /// <summary>Port clients are told to connect to; defaults to the bound port.</summary>
    public int? AdvertisedPort { get; set; }
    /// <summary>listeners: <c>NAME://host:port</c> entries, comma-separated (e.g.
    /// <c>PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093</c>). When unset, one PLAINTEXT listener on
    /// <see cref="ListenAddress"/>:<see cref="Port"/>.</summary>
    public string? Listeners { get; set; }
    /// <summary>advertised.listeners: what clients of each listener (by name) are told to connect to; a listener
    /// missing here advertises its bound host and port.</summary>
    public string? AdvertisedListeners { get; set; }
    /// <summary>listener.security.protocol.map: <c>NAME:PROTOCOL</c> pairs for listener names that are not
    /// protocol names themselves.</summary>
    public string? ListenerSecurityProtocolMap { get; set; }
    /// <summary>TLS certificate, key and client authentication of SSL and SASL_SSL listeners.</summary>
    public TlsOptions Ssl { get; set; } = new();
    /// <summary>sasl.enabled.mechanisms on SASL listeners.</summary>
    public string SaslEnabledMechanisms { get; set; } = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512";
    /// <summary>authorizer.class.name: when true, every request is checked against the ACLs in <c>&lt;data&gt;/acls.json</c>
    /// (managed with CreateAcls/DescribeAcls/DeleteAcls, <c>ingesthub acls</c>). Off by default: everything is allowed.</summary>
    public bool AuthorizerEnabled { get; set; }
    /// <summary>super.users: principals allowed everything, separated by semicolons (<c>User:admin;User:ANONYMOUS</c>).</summary>
    public string? SuperUsers { get; set; }
    /// <summary>allow.everyone.if.no.acl.found: with the authorizer on, whether a resource no ACL applies to is open to all.</summary>
    public bool AllowEveryoneIfNoAclFound { get; set; }
    /// <summary>connection.failed.authentication.delay.ms: a failed login is answered this much later.</summary>
    public int ConnectionFailedAuthenticationDelayMs { get; set; } = 100;
    /// <summary>socket.request.max.bytes: larger requests are refused before they are buffered.</summary>
    public int SocketRequestMaxBytes { get; set; } = 100 * 1024 * 1024;
    /// <summary>connections.max.idle.ms: a connection with no request for this long (and none unanswered) is closed.</summary>
    public long ConnectionsMaxIdleMs { get; set; } = 600_000;
    /// <summary>Once the first byte of a request has arrived, the whole request must arrive within this many
    /// milliseconds or the connection is closed (a client trickling bytes cannot hold a connection open).</summary>
    public int RequestReceiveTimeoutMs { get; set; } = 30_000;
    /// <summary>max.connections: open client connections over all listeners; more are closed right after accept.</summary>
    public int MaxConnections { get; set; } = int.MaxValue;
    /// <summary>max.connections.per.ip: open connections from one client address.</summary>
    public int MaxConnectionsPerIp { get; set; } = int.MaxValue;
    /// <summary>max.connections.per.ip.overrides: <c>host-or-ip:count</c> pairs, comma-separated, that replace
    /// <see cref="MaxConnectionsPerIp"/> for those addresses.</summary>
    public string? MaxConnectionsPerIpOverrides { get; set; }
    /// <summary>Per listener name (<c>listener.name.&lt;name&gt;.*</c>): limits that replace the broker-wide ones there.</summary>
    public Dictionary<string, ListenerOverrideOptions> ListenerOverrides { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Byte-rate quotas (producer_byte_rate, consumer_byte_rate) by user and client id, Kafka's entity model.</summary>
    public List<QuotaEntry> Quotas { get; set; } = [];
    /// <summary>auto.create.topics.enable.</summary>
    public bool AutoCreateTopicsEnable { get; set; } = true;
    /// <summary>max.broker.partitions: partitions this broker holds at most (all topics together); creating a topic or
    /// adding partitions beyond it is refused with POLICY_VIOLATION, so a client cannot exhaust disk and memory with
    /// one request.</summary>
    public int MaxBrokerPartitions { get; set; } = 100_000;
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
    /// <summary>group.consumer.heartbeat.interval.ms: how often consumer-protocol members heartbeat.</summary>
    public int GroupConsumerHeartbeatIntervalMs { get; set; } = 5000;
    /// <summary>group.consumer.session.timeout.ms: a consumer-protocol member without a heartbeat for this long is removed.</summary>
    public int GroupConsumerSessionTimeoutMs { get; set; } = 45_000;
    /// <summary>offsets.retention.minutes: committed offsets of an empty group expire after this (7 days).</summary>
    public int OffsetsRetentionMinutes { get; set; } = 7 * 24 * 60;

    /// <summary>offsets.topic.num.partitions: partitions of <c>__consumer_offsets</c> when the broker creates it (an
    /// existing topic keeps its count: a group's partition depends on it).</summary>
    public int OffsetsTopicNumPartitions { get; set; } = 50;
    /// <summary>offsets.topic.segment.bytes: segment size of <c>__consumer_offsets</c> (smaller than other topics' so
    /// the cleaner compacts it sooner).</summary>
    public int OffsetsTopicSegmentBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>Throws <see cref="BrokerOptionsException"/> naming each setting out of the range Kafka allows for it.</summary>
    public void Validate() => BrokerOptionsValidation.Validate(this);

    /// <summary>A copy of these options with another data directory.</summary>
    public BrokerOptions WithDataDir(string dataDir)
    {
        var copy = (BrokerOptions)MemberwiseClone();
        copy.DataDir = dataDir;
        return copy;
    }

    /// <summary>log.cleaner.enable: compacts topics with cleanup.policy=compact in the background.</summary>
    public bool LogCleanerEnable { get; set; } = true;

    /// <summary>log.cleaner.backoff.ms: pause between cleaner passes when no log needs cleaning.</summary>
    public long LogCleanerBackoffMs { get; set; } = 15_000;

    /// <summary>log.cleaner.dedupe.buffer.size: memory for the key map of one clean.</summary>
    public long LogCleanerDedupeBufferSize { get; set; } = 32L * 1024 * 1024;

    /// <summary>log.cleaner.io.max.bytes.per.second: read plus write rate of the cleaner (unset: unlimited).</summary>
    public double? LogCleanerIoMaxBytesPerSecond { get; set; }
}

/// <summary>Settings of one listener that replace the broker-wide value (unset: the broker-wide value applies).</summary>
public sealed class ListenerOverrideOptions
{
    /// <summary>listener.name.&lt;name&gt;.max.connections: open connections on this listener.</summary>
    public int? MaxConnections { get; set; }
    /// <summary>socket.request.max.bytes for this listener.</summary>
    public int? SocketRequestMaxBytes { get; set; }
}
