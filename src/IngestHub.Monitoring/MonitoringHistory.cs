using System.Collections.Concurrent;

namespace IngestHub.Monitoring;

/// <summary>
/// Everything the monitor remembers, in bounded ring buffers: lag per group and partition, log end offsets per
/// partition over time (for time lag), total ingest (records and bytes), per-topic totals for short-term rates, and
/// connector counters. Series that stop being reported are dropped after the history length.
/// </summary>
public sealed class MonitoringHistory(MonitoringOptions options)
{
    private readonly ConcurrentDictionary<string, GroupHistory> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Topic, int Partition), RingBuffer<OffsetTime>> _endOffsets = new();
    private readonly ConcurrentDictionary<string, RingBuffer<ThroughputSample>> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RingBuffer<ThroughputSample>> _connectors = new(StringComparer.Ordinal);

    public MonitoringOptions Options { get; } = options;
    public int Capacity { get; } = options.HistoryCapacity;
    public RingBuffer<ThroughputSample> Ingest { get; } = new(options.HistoryCapacity);

    /// <summary>Samples covering a minute (plus one), for rates "over the last minute".</summary>
    public int MinuteSamples => (int)Math.Ceiling(60.0 / Math.Max(1, Options.SampleIntervalSeconds)) + 1;

    public GroupHistory Group(string group) => _groups.GetOrAdd(group, g => new GroupHistory(g, Capacity, Options.WindowSize));

    public GroupHistory? FindGroup(string group) => _groups.TryGetValue(group, out var history) ? history : null;

    public IEnumerable<GroupHistory> Groups => _groups.Values;

    /// <summary>Records a partition's log end offset. A flat stretch keeps only its first and last sample, so an idle
    /// partition keeps history reaching back further.</summary>
    public void ObserveEndOffset(string topic, int partition, long nowMs, long endOffset)
    {
        var ring = _endOffsets.GetOrAdd((topic, partition), _ => new RingBuffer<OffsetTime>(Capacity));
        var recent = ring.Snapshot(2);
        if (recent.Length == 2 && recent[0].Offset == endOffset && recent[1].Offset == endOffset)
            ring.ReplaceLast(new OffsetTime(nowMs, endOffset));
        else if (recent.Length > 0 && endOffset < recent[^1].Offset)
        {
            // The log was truncated or the topic re-created: the old points no longer describe these offsets.
            _endOffsets[(topic, partition)] = ring = new RingBuffer<OffsetTime>(Capacity);
            ring.Add(new OffsetTime(nowMs, endOffset));
        }
        else
            ring.Add(new OffsetTime(nowMs, endOffset));
    }

    public OffsetTime[] EndOffsets(string topic, int partition) =>
        _endOffsets.TryGetValue((topic, partition), out var ring) ? ring.Snapshot() : [];

    public RingBuffer<ThroughputSample> Topic(string topic) => _topics.GetOrAdd(topic, _ => new RingBuffer<ThroughputSample>(MinuteSamples + 1));

    public RingBuffer<ThroughputSample>? FindTopic(string topic) => _topics.TryGetValue(topic, out var ring) ? ring : null;

    public RingBuffer<ThroughputSample> Connector(string name) => _connectors.GetOrAdd(name, _ => new RingBuffer<ThroughputSample>(Capacity));

    public RingBuffer<ThroughputSample>? FindConnector(string name) => _connectors.TryGetValue(name, out var ring) ? ring : null;

    /// <summary>Forgets groups unseen for the history length and partitions no group reads any more.</summary>
    public void PruneGroups(long nowMs, IReadOnlySet<(string Topic, int Partition)> livePartitions)
    {
        long horizon = nowMs - Options.HistoryMinutes * 60_000L;
        foreach (var (name, history) in _groups)
            if (history.LastSeenMs < horizon)
                _groups.TryRemove(name, out _);
        foreach (var key in _endOffsets.Keys)
            if (!livePartitions.Contains(key))
                _endOffsets.TryRemove(key, out _);
    }

    /// <summary>Forgets topics and connectors that no longer exist.</summary>
    public void PruneTopicsAndConnectors(IReadOnlySet<string> liveTopics, IReadOnlySet<string> liveConnectors)
    {
        foreach (var name in _topics.Keys)
            if (!liveTopics.Contains(name))
                _topics.TryRemove(name, out _);
        foreach (var name in _connectors.Keys)
            if (!liveConnectors.Contains(name))
                _connectors.TryRemove(name, out _);
    }

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
