namespace IngestHub.Client;

/// <summary>An immutable snapshot of what the client knows about the cluster.</summary>
public sealed class ClusterMetadata
{
    public static readonly ClusterMetadata Empty = new(new Dictionary<int, BrokerNode>(), new Dictionary<string, TopicMetadata>(), -1, null);

    public ClusterMetadata(IReadOnlyDictionary<int, BrokerNode> brokers, IReadOnlyDictionary<string, TopicMetadata> topics, int controllerId, string? clusterId)
    {
        Brokers = brokers;
        Topics = topics;
        ControllerId = controllerId;
        ClusterId = clusterId;
    }

    public IReadOnlyDictionary<int, BrokerNode> Brokers { get; }
    public IReadOnlyDictionary<string, TopicMetadata> Topics { get; }
    public int ControllerId { get; }
    public string? ClusterId { get; }

    /// <summary>The leader of a partition, or -1 when unknown.</summary>
    public int LeaderOf(TopicPartition partition) =>
        Topics.TryGetValue(partition.Topic, out var topic) && partition.Partition < topic.Partitions.Count && partition.Partition >= 0
            ? topic.Partitions[partition.Partition].Leader
            : -1;
}
