namespace IngestHub.Monitoring;

/// <summary>
/// What the monitor remembers of one group on one partition: the lag series for charts (every sample), the Burrow
/// window of the last commits (an entry each time the committed offset was seen to change — OffsetFetch does not
/// show a re-commit of the same offset), and the log end offsets of the last samples (for "recently caught up").
/// </summary>
public sealed class PartitionHistory(int capacity, int windowSize)
{
    public RingBuffer<LagObservation> Lag { get; } = new(capacity);
    public RingBuffer<CommitObservation> Commits { get; } = new(windowSize);
    public RingBuffer<long> BrokerOffsets { get; } = new(windowSize);
    public int WindowSize { get; } = windowSize;

    /// <summary>Records one sample: committed offset (-1 when none), lag and log end offset.</summary>
    public void Observe(long nowMs, long committed, long lag, long endOffset)
    {
        Lag.Add(new LagObservation(nowMs, committed, lag));
        if (endOffset >= 0)
            BrokerOffsets.Add(endOffset);
        if (committed >= 0 && (Commits.Count == 0 || Commits.Last().Offset != committed))
            Commits.Add(new CommitObservation(nowMs, committed, endOffset < 0 ? 0 : Math.Max(0, endOffset - committed)));
    }

    public bool WindowComplete => Commits.Count >= WindowSize;
}
