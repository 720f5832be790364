using IngestHub.Client;
using IngestHub.Streams.Runtime;

namespace IngestHub.Streams.Windows;

/// <summary>
/// The watermark of an event-time window: the minimum over the inputs of (latest timestamp − lag).
/// <list type="bullet">
/// <item>Tuples with a source lineage are tracked per source partition: every partition the spouts read counts,
/// so a partition read later or more slowly does not make its records late (Storm tracks input streams only).</item>
/// <item>With <em>frontiers</em> (for bolts that ack on receipt), a partition's timestamp is the latest among the
/// tuples whose records are done at the spout (below its frontier): a record still in flight or waiting for a
/// retry holds the watermark back, so replays never arrive late.</item>
/// <item>Tuples without lineage are tracked per input stream, as Storm does; the watermark waits until every
/// input stream delivered one.</item>
/// <item>With an idle timeout, an input quiet that long (and with nothing in flight) stops holding the watermark
/// back, and when all inputs are quiet the watermark follows the clock (now − lag), closing the last windows.</item>
/// </list>
/// </summary>
internal sealed class WatermarkTracker
{
    private readonly Dictionary<TopicPartition, Track> _partitions = [];
    private readonly Dictionary<StreamSchema, Track> _streams = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<TopicPartition, long> _expectedSince = [];
    private readonly SourcePartitions? _frontiers;
    private readonly int _inputStreams;
    private readonly long _lagMs;
    private readonly long? _idleMs;
    private long _lastInputMs = long.MinValue;

    /// <param name="frontiers">The spouts' progress; null to use the latest timestamp seen per partition.</param>
    public WatermarkTracker(int inputStreams, TimeSpan lag, TimeSpan? idle, SourcePartitions? frontiers = null)
    {
        _inputStreams = Math.Max(1, inputStreams);
        _lagMs = (long)lag.TotalMilliseconds;
        _idleMs = idle is { } i ? (long)i.TotalMilliseconds : null;
        _frontiers = frontiers;
    }

    public void Observe(StreamTuple tuple, long ts, long nowMs)
    {
        Track? track;
        if (tuple.Source is { } source)
        {
            var tp = new TopicPartition(source.Topic, source.Partition);
            if (!_partitions.TryGetValue(tp, out track))
                _partitions[tp] = track = new Track();
            if (_frontiers is not null)
                track.Pending.Enqueue(ts, source.Offset);
        }
        else if (!_streams.TryGetValue(tuple.Schema, out track))
        {
            _streams[tuple.Schema] = track = new Track();
        }
        if (ts > track.Latest)
            track.Latest = ts;
        track.Seen = true;
        track.LastSeenMs = nowMs;
        _lastInputMs = nowMs;
    }

    /// <summary>The watermark now, or null while it is not defined.</summary>
    /// <param name="expected">Source partitions the spouts read (each must have delivered, be complete, or be idle).</param>
    public long? Compute(long nowMs, IReadOnlyList<TopicPartition> expected)
    {
        long min = long.MaxValue;
        bool blocked = false;
        bool any = false;
        bool allComplete = true;
        foreach (var tp in expected)
        {
            if (_partitions.ContainsKey(tp))
                continue;
            if (!_expectedSince.TryGetValue(tp, out long since))
                _expectedSince[tp] = since = nowMs;
            // Not seen here: its records may still come unless its spout finished all it read (they went to other
            // tasks), or it has been quiet for the idle timeout.
            bool settled = Complete(tp) || (_idleMs is { } idle && nowMs - since >= idle);
            allComplete &= settled;
            if (!settled)
                blocked = true;
        }
        foreach (var (tp, track) in _partitions)
        {
            long ts = track.Latest;
            bool complete = true;
            if (_frontiers is not null && _frontiers.TryGetProgress(tp, out long frontier, out long next))
            {
                while (track.Pending.TryPeek(out long doneTs, out long offset) && offset < frontier)
                {
                    track.Pending.Dequeue();
                    track.Done = Math.Max(track.Done, doneTs);
                }
                complete = frontier >= next;
                ts = complete && track.Pending.Count == 0 ? track.Latest : track.Done;
            }
            else
            {
                track.Pending.Clear(); // no spout reports on this partition: the latest timestamp is all there is
            }
            allComplete &= complete;
            if (complete && Idle(track, nowMs))
                continue;
            if (ts == long.MinValue)
            {
                blocked = true;
                continue;
            }
            any = true;
            min = Math.Min(min, ts);
        }
        if (_partitions.Count == 0 && _streams.Count > 0 && _streams.Count < _inputStreams)
            blocked = true;
        foreach (var (_, track) in _streams)
        {
            if (Idle(track, nowMs))
                continue;
            any = true;
            min = Math.Min(min, track.Latest);
        }
        long? watermark = blocked || !any ? null : min - _lagMs;
        if (_idleMs is { } quiet && allComplete && _lastInputMs != long.MinValue && nowMs - _lastInputMs >= quiet)
        {
            long byClock = nowMs - _lagMs;
            watermark = watermark is { } w ? Math.Max(w, byClock) : byClock;
        }
        return watermark;
    }

    /// <summary>A partition this task has not seen is complete only when its spout reported it read records and
    /// finished them all (they went to other tasks); before any report its records may still be on their way.</summary>
    private bool Complete(TopicPartition tp) =>
        _frontiers is not null && _frontiers.TryGetProgress(tp, out long frontier, out long next) && frontier >= next;

    private bool Idle(Track track, long nowMs) => _idleMs is { } idle && nowMs - track.LastSeenMs >= idle;

    private sealed class Track
    {
        public long Latest { get; set; } = long.MinValue;

        /// <summary>Latest timestamp among tuples whose records are done at the spout.</summary>
        public long Done { get; set; } = long.MinValue;

        /// <summary>Timestamps of tuples whose records may still be in flight, by offset.</summary>
        public PriorityQueue<long, long> Pending { get; } = new();

        public bool Seen { get; set; }

        public long LastSeenMs { get; set; }
    }
}
