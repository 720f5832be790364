namespace IngestHub.Streams.Kafka;

/// <summary>Settings of a <see cref="KafkaSpout"/>; the YAML keys are given in the docs (docs/streams.md).</summary>
public sealed class KafkaSpoutOptions
{
    /// <summary>Default: the topology environment's (the appliance's own broker).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The spout's own security.protocol, sasl.* and ssl.* settings (its bootstrap servers are not used);
    /// null: the topology environment's when <see cref="BootstrapServers"/> is not set, PLAINTEXT when it is.</summary>
    public IngestHub.Client.ClientOptions? Connection { get; set; }

    public IReadOnlyList<string> Topics { get; set; } = [];

    /// <summary>Consumer group; default <c>&lt;topology&gt;-&lt;component&gt;</c>.</summary>
    public string? GroupId { get; set; }

    /// <summary>Without a committed offset: start at the earliest record (Storm's UNCOMMITTED_EARLIEST, the
    /// default) or the latest (UNCOMMITTED_LATEST).</summary>
    public bool StartFromEarliest { get; set; } = true;

    /// <summary>How often done offsets are committed (synchronously, from the spout's thread).</summary>
    public TimeSpan CommitPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Emitted-but-uncommitted offsets per partition beyond which the partition is paused (failed records
    /// are still retried, so the spout never stalls behind one).</summary>
    public int MaxUncommittedOffsets { get; set; } = 100_000;

    public KafkaSpoutRetry Retry { get; set; } = new();

    /// <summary>Topic poison records go to after the retries; default the topology's dead-letter topic.</summary>
    public string? DeadLetterTopic { get; set; }

    public int SessionTimeoutMs { get; set; } = 30_000;

    /// <summary>The <c>autoscale:</c> section: the autoscaler rebalances the spout's executors on the group's lag
    /// (null: not autoscaled).</summary>
    public Pipelines.Configuration.AutoscaleDefinition? Autoscale { get; set; }
}
