namespace IngestHub.Cluster;

/// <summary>The <c>cluster</c> settings. Without <see cref="EtcdEndpoints"/> the broker runs alone, as it always did.</summary>
public sealed class ClusterOptions
{
    /// <summary>etcd endpoints, comma-separated (e.g. <c>http://10.0.0.5:2379,http://10.0.0.6:2379</c>); empty = no cluster.</summary>
    public string? EtcdEndpoints { get; set; }
    /// <summary>Key prefix in etcd (several clusters may share one etcd).</summary>
    public string Prefix { get; set; } = "/ingesthub";
    /// <summary>TTL of the broker's registration lease: a broker silent this long is dead and its partitions fail over.</summary>
    public int SessionTimeoutSeconds { get; set; } = 6;
    /// <summary>replica.lag.time.max.ms: a follower that has not caught up for this long leaves the ISR.</summary>
    public int ReplicaLagTimeMaxMs { get; set; } = 30_000;
    /// <summary>default.replication.factor: for auto-created topics and CreateTopics with -1.</summary>
    public int DefaultReplicationFactor { get; set; } = 1;
    /// <summary>offsets.topic.replication.factor: replicas of each <c>__consumer_offsets</c> partition. As in Kafka,
    /// the topic is created at the first FindCoordinator, and not before this many brokers are registered
    /// (FindCoordinator answers COORDINATOR_NOT_AVAILABLE until then).</summary>
    public int OffsetsTopicReplicationFactor { get; set; } = 3;
    /// <summary>replica.fetch.wait.max.ms: how long a follower's fetch waits at the leader for new data.</summary>
    public int ReplicaFetchWaitMaxMs { get; set; } = 500;
    /// <summary>How often the broker reconciles with etcd besides the watch notifications.</summary>
    public int ReconcileIntervalMs { get; set; } = 500;

    public bool Enabled => !string.IsNullOrWhiteSpace(EtcdEndpoints);
}
