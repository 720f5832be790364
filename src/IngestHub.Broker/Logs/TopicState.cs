using IngestHub.Storage;

namespace IngestHub.Broker.Logs;

/// <summary>A topic: its id, config overrides and partitions. Partitions only grow; a snapshot array is
/// swapped when partitions are added so readers never lock.</summary>
public sealed class TopicState(string name, Guid topicId, Dictionary<string, string> configs, LogConfig logConfig)
{
    private PartitionState[] _partitions = [];

    public string Name { get; } = name;
    public Guid TopicId { get; } = topicId;
    public IReadOnlyDictionary<string, string> Configs { get; } = configs;
    public LogConfig LogConfig { get; } = logConfig;
    /// <summary>min.insync.replicas: acks=all produce needs this many in-sync replicas (only this broker exists).</summary>
    public int MinInsyncReplicas { get; } =
        configs.TryGetValue(Metadata.TopicConfig.MinInsyncReplicas, out string? value) && int.TryParse(value, out int n) ? n : 1;
    public IReadOnlyList<PartitionState> Partitions => Volatile.Read(ref _partitions);

    public PartitionState? Partition(int index)
    {
        var partitions = Volatile.Read(ref _partitions);
        return (uint)index < (uint)partitions.Length ? partitions[index] : null;
    }

    internal void SetPartitions(PartitionState[] partitions) => Volatile.Write(ref _partitions, partitions);
}
