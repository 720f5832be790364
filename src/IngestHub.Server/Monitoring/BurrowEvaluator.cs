namespace IngestHub.Server.Monitoring;

/// <summary>
/// Consumer lag status as Burrow defines it: no fixed threshold, but rules over a sliding window of the latest
/// observations of one partition, checked in order — any zero lag → OK; the offset went backwards → REWIND; then,
/// with a full window: no commit for longer than the window spans → STOP; the offset never moved → STALL; it
/// moved but lag never fell → WARNING; otherwise OK. The window holds samples (every sampling interval), so STOP,
/// STALL and WARNING wait for a full window: a short one cannot tell a slow or periodically committing consumer
/// from a stuck one. Pure: the caller passes the window and the time.
/// </summary>
public static class BurrowEvaluator
{
    public const int WindowSize = 10;

    public static PartitionLagStatus EvaluatePartition(ReadOnlySpan<LagObservation> window, long nowMs)
    {
        if (window.Length > WindowSize)
            window = window[^WindowSize..];
        if (window.IsEmpty)
            return PartitionLagStatus.Ok;
        foreach (var observation in window)
            if (observation.Lag == 0)
                return PartitionLagStatus.Ok;
        for (int i = 1; i < window.Length; i++)
            if (window[i].Offset < window[i - 1].Offset)
                return PartitionLagStatus.Rewind;
        if (window.Length < WindowSize)
            return PartitionLagStatus.Ok;
        var first = window[0];
        var last = window[^1];
        long sinceCommit = last.CommitTimestampMs < 0 ? long.MaxValue : nowMs - last.CommitTimestampMs;
        if (sinceCommit > last.TimestampMs - first.TimestampMs)
            return PartitionLagStatus.Stop;
        if (first.Offset == last.Offset)
            return PartitionLagStatus.Stall;
        for (int i = 1; i < window.Length; i++)
            if (window[i].Lag < window[i - 1].Lag)
                return PartitionLagStatus.Ok;
        return PartitionLagStatus.Warning;
    }

    /// <summary>The group's status is its worst partition's: STOP, STALL or REWIND → ERR; WARNING → WARN.</summary>
    public static GroupLagStatus EvaluateGroup(IEnumerable<PartitionLagStatus> partitions)
    {
        var result = GroupLagStatus.Ok;
        foreach (var status in partitions)
        {
            if (status is PartitionLagStatus.Stop or PartitionLagStatus.Stall or PartitionLagStatus.Rewind)
                return GroupLagStatus.Err;
            if (status == PartitionLagStatus.Warning)
                result = GroupLagStatus.Warn;
        }
        return result;
    }

    public static string Name(PartitionLagStatus status) => status.ToString().ToUpperInvariant();

    public static string Name(GroupLagStatus status) => status.ToString().ToUpperInvariant();
}
