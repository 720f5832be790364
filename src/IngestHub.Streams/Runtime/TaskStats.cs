namespace IngestHub.Streams.Runtime;

/// <summary>
/// Counters and latencies of one task, written by its executor thread only (plain increments, read racily by the
/// status and /metrics, which is fine for monotonic 64-bit counters).
/// </summary>
public sealed class TaskStats
{
    internal long EmittedCount;
    internal long TransferredCount;
    internal long AckedCount;
    internal long FailedCount;
    internal long ExecutedCount;
    internal long ErrorCount;
    private string? _lastError;
    private long _lastErrorAtMs;

    /// <summary>Tuples emitted (one per emit call and stream).</summary>
    public long Emitted => Volatile.Read(ref EmittedCount);

    /// <summary>Tuples sent to tasks (an emit to two subscribers counts two).</summary>
    public long Transferred => Volatile.Read(ref TransferredCount);

    /// <summary>Spouts: trees completed. Bolts: inputs acked.</summary>
    public long Acked => Volatile.Read(ref AckedCount);

    /// <summary>Spouts: trees failed or timed out. Bolts: inputs failed.</summary>
    public long Failed => Volatile.Read(ref FailedCount);

    /// <summary>Bolts: tuples executed.</summary>
    public long Executed => Volatile.Read(ref ExecutedCount);

    public long Errors => Volatile.Read(ref ErrorCount);

    public LatencyHistogram ExecuteLatency { get; } = new();

    /// <summary>Bolts: from the start of Execute to the input's ack.</summary>
    public LatencyHistogram ProcessLatency { get; } = new();

    /// <summary>Spouts: from emit to the tree's completion.</summary>
    public LatencyHistogram CompleteLatency { get; } = new();

    public string? LastError => Volatile.Read(ref _lastError);

    public DateTimeOffset? LastErrorAt => Volatile.Read(ref _lastErrorAtMs) is var ms and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    internal void SetError(string message, DateTimeOffset at)
    {
        Volatile.Write(ref _lastError, message);
        Volatile.Write(ref _lastErrorAtMs, at.ToUnixTimeMilliseconds());
        Interlocked.Increment(ref ErrorCount);
    }
}
