using System.Collections.Concurrent;

namespace IngestHub.Server.Monitoring;

/// <summary>
/// Everything the sampler remembers, in bounded ring buffers: lag per group and partition, total ingest (records
/// and bytes), per-topic totals for short-term rates, and connector counters. Series that stop being reported
/// are dropped after the history length.
/// </summary>
public sealed class MonitoringHistory(MonitoringOptions options)
{
    private readonly ConcurrentDictionary<string, GroupHistory> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RingBuffer<ThroughputSample>> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RingBuffer<ThroughputSample>> _connectors = new(StringComparer.Ordinal);

    public MonitoringOptions Options { get; } = options;
    public int Capacity { get; } = options.HistoryCapacity;
    public RingBuffer<ThroughputSample> Ingest { get; } = new(options.HistoryCapacity);

    /// <summary>Samples covering a minute (plus one), for rates "over the last minute".</summary>
    public int MinuteSamples => (int)Math.Ceiling(60.0 / Math.Max(1, Options.SampleIntervalSeconds)) + 1;

    public GroupHistory Group(string group) => _groups.GetOrAdd(group, g => new GroupHistory(g, Capacity));

    public GroupHistory? FindGroup(string group) => _groups.TryGetValue(group, out var history) ? history : null;

    public RingBuffer<ThroughputSample> Topic(string topic) => _topics.GetOrAdd(topic, _ => new RingBuffer<ThroughputSample>(MinuteSamples + 1));

    public RingBuffer<ThroughputSample>? FindTopic(string topic) => _topics.TryGetValue(topic, out var ring) ? ring : null;

    public RingBuffer<ThroughputSample> Connector(string name) => _connectors.GetOrAdd(name, _ => new RingBuffer<ThroughputSample>(Capacity));

    public RingBuffer<ThroughputSample>? FindConnector(string name) => _connectors.TryGetValue(name, out var ring) ? ring : null;

    /// <summary>Forgets groups unseen for the history length, and topics and connectors that no longer exist.</summary>
    public void Prune(long nowMs, IReadOnlySet<string> liveTopics, IReadOnlySet<string> liveConnectors)
    {
        long horizon = nowMs - Options.HistoryMinutes * 60_000L;
        foreach (var (name, history) in _groups)
            if (history.LastSeenMs < horizon)
                _groups.TryRemove(name, out _);
        foreach (var name in _topics.Keys)
            if (!liveTopics.Contains(name))
                _topics.TryRemove(name, out _);
        foreach (var name in _connectors.Keys)
            if (!liveConnectors.Contains(name))
                _connectors.TryRemove(name, out _);
    }

    /// <summary>Burrow status of a group on one partition over its latest observations (OK while none exist).</summary>
    public PartitionLagStatus PartitionStatus(string group, string topic, int partition, long nowMs)
    {
        var ring = FindGroup(group)?.FindPartition(topic, partition);
        return ring is null ? PartitionLagStatus.Ok : BurrowEvaluator.EvaluatePartition(ring.Snapshot(BurrowEvaluator.WindowSize), nowMs);
    }

    /// <summary>Whether a full Burrow window of observations exists for the partition.</summary>
    public bool WindowComplete(string group, string topic, int partition) =>
        FindGroup(group)?.FindPartition(topic, partition)?.Count >= BurrowEvaluator.WindowSize;

    /// <summary>Rate per second of a counter between the oldest and newest of the given samples (0 if unknown or
    /// if the counter went down, e.g. after a restart or a topic deletion).</summary>
    public static (double Records, double Bytes) Rate(ReadOnlySpan<ThroughputSample> samples)
    {
        if (samples.Length < 2)
            return (0, 0);
        var first = samples[0];
        var last = samples[^1];
        double seconds = (last.TimestampMs - first.TimestampMs) / 1000.0;
        if (seconds <= 0)
            return (0, 0);
        return (Math.Max(0, last.Records - first.Records) / seconds, Math.Max(0, last.Bytes - first.Bytes) / seconds);
    }
}
