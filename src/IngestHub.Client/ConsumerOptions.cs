namespace IngestHub.Client;

/// <summary>Consumer settings; names in the docs are the Kafka configuration keys.</summary>
public sealed class ConsumerOptions : ClientOptions
{
    /// <summary><c>group.id</c>: required for <see cref="KafkaConsumer.Subscribe"/> and for commits.</summary>
    public string? GroupId { get; set; }

    /// <summary><c>group.instance.id</c>: static membership (optional).</summary>
    public string? GroupInstanceId { get; set; }

    /// <summary><c>session.timeout.ms</c> (default 45000).</summary>
    public int SessionTimeoutMs { get; set; } = 45_000;

    /// <summary><c>heartbeat.interval.ms</c> (default 3000).</summary>
    public int HeartbeatIntervalMs { get; set; } = 3_000;

    /// <summary><c>max.poll.interval.ms</c>: sent as the JoinGroup rebalance timeout (default 300000).</summary>
    public int MaxPollIntervalMs { get; set; } = 300_000;

    /// <summary><c>auto.offset.reset</c> (default latest).</summary>
    public AutoOffsetReset AutoOffsetReset { get; set; } = AutoOffsetReset.Latest;

    /// <summary><c>enable.auto.commit</c> (default true): commits consumed positions every
    /// <see cref="AutoCommitIntervalMs"/>, before a rebalance and on dispose.</summary>
    public bool EnableAutoCommit { get; set; } = true;

    /// <summary><c>auto.commit.interval.ms</c> (default 5000).</summary>
    public int AutoCommitIntervalMs { get; set; } = 5_000;

    /// <summary><c>fetch.min.bytes</c> (default 1).</summary>
    public int FetchMinBytes { get; set; } = 1;

    /// <summary><c>fetch.max.wait.ms</c> (default 500).</summary>
    public int FetchMaxWaitMs { get; set; } = 500;

    /// <summary><c>fetch.max.bytes</c> (default 50 MiB).</summary>
    public int FetchMaxBytes { get; set; } = 50 * 1024 * 1024;

    /// <summary><c>max.partition.fetch.bytes</c> (default 1 MiB).</summary>
    public int MaxPartitionFetchBytes { get; set; } = 1024 * 1024;

    /// <summary><c>partition.assignment.strategy</c>: assignors offered to the group, preferred first (default range, roundrobin).</summary>
    public IReadOnlyList<IPartitionAssignor> PartitionAssignors { get; set; } = [new RangeAssignor(), new RoundRobinAssignor()];

    /// <summary><c>isolation.level</c>: read_committed when true (the same as read_uncommitted without transactions).</summary>
    public bool ReadCommitted { get; set; }

    /// <summary>A fetch, start-offset lookup or partition error that fails this many times in a row is thrown to the
    /// application's next consume (and logged at Warning); fetching goes on retrying after it.</summary>
    public int FetchFailuresBeforeError { get; set; } = 5;

    /// <summary>How often the group leader checks whether a subscribed topic appeared or gained partitions and, if
    /// so, triggers a rebalance (Kafka does this on each metadata refresh, metadata.max.age.ms).</summary>
    public int PartitionCheckIntervalMs { get; set; } = 5_000;
}
