using IngestHub.Storage;

namespace IngestHub.Broker.Logs;

/// <summary>A topic: its id, config overrides and partitions. Partitions only grow; a snapshot array is
/// swapped when partitions are added, and the configs as a pair when they are altered, so readers never lock.</summary>
public sealed class TopicState(string name, Guid topicId, Dictionary<string, string> configs, LogConfig logConfig)
{
    private PartitionState[] _partitions = [];
    private Settings _configs = new(configs, logConfig);

    public string Name { get; } = name;
    public Guid TopicId { get; } = topicId;
    /// <summary>The topic's config overrides (set at creation or altered since).</summary>
    public IReadOnlyDictionary<string, string> Configs => Volatile.Read(ref _configs).Overrides;
    /// <summary>The log settings in effect: the overrides over the broker's (static or dynamic) defaults.</summary>
    public LogConfig LogConfig => Volatile.Read(ref _configs).Log;
    /// <summary>min.insync.replicas: acks=all produce needs this many in-sync replicas (only this broker exists).</summary>
    public int MinInsyncReplicas =>
        Configs.TryGetValue(Metadata.TopicConfig.MinInsyncReplicas, out string? value) && int.TryParse(value, out int n) ? n : 1;
    public IReadOnlyList<PartitionState> Partitions => Volatile.Read(ref _partitions);

    public PartitionState? Partition(int index)
    {
        var partitions = Volatile.Read(ref _partitions);
        return (uint)index < (uint)partitions.Length ? partitions[index] : null;
    }

    internal void SetPartitions(PartitionState[] partitions) => Volatile.Write(ref _partitions, partitions);

    /// <summary>Replaces the overrides and applies the resulting log settings to every partition log.</summary>
    internal void Reconfigure(Dictionary<string, string> overrides, LogConfig log)
    {
        Volatile.Write(ref _configs, new Settings(overrides, log));
        foreach (var partition in Partitions)
            partition.Log.Config = log;
    }

    private sealed record Settings(IReadOnlyDictionary<string, string> Overrides, LogConfig Log);
}
