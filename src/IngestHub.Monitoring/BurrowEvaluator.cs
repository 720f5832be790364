using System.Globalization;

namespace IngestHub.Monitoring;

/// <summary>
/// Consumer lag status by Burrow's rules, over the window of the last <c>intervals</c> commits of one partition
/// (commits, not samples: a consumer committing once a minute has a ten-minute window). Nothing is judged while the
/// current lag is within <c>allowed-lag</c>. Otherwise, once the window is full, in this order: STOP — no commit for
/// longer than the window spans, unless a recent log end offset was at or below the last commit (the consumer was
/// caught up moments ago); REWIND — an offset went backwards and has not come back to where it was; OK — some commit
/// in the window had lag within allowed-lag; STALL — every offset in the window is the same; WARNING — offsets move
/// but lag never fell between consecutive commits; else OK. A window that is not yet full is INCOMPLETE rather than
/// a guess. Pure: the caller passes the window, the recent log end offsets, the current lag and the time.
/// </summary>
public static class BurrowEvaluator
{
    public const int DefaultWindowSize = 10;

    public static PartitionEvaluation EvaluatePartition(ReadOnlySpan<CommitObservation> commits, int windowSize, ReadOnlySpan<long> brokerOffsets,
        long currentLag, long nowMs, long allowedLag = 0)
    {
        if (commits.Length > windowSize)
            commits = commits[^windowSize..];
        if (currentLag <= allowedLag)
            return new(PartitionLagStatus.Ok, null);
        if (commits.Length < windowSize)
            return new(PartitionLagStatus.Incomplete, $"{commits.Length} of {windowSize} commits observed");

        var first = commits[0];
        var last = commits[^1];
        long sinceLast = nowMs - last.TimestampMs;
        long span = last.TimestampMs - first.TimestampMs;
        if (sinceLast > span && !RecentLagZero(last.Offset, brokerOffsets))
            return new(PartitionLagStatus.Stop, $"no commit for {Seconds(sinceLast)}, longer than the last {windowSize} commits span ({Seconds(span)})");

        int rewind = RewindIndex(commits);
        if (rewind > 0 && !RewindRecovered(commits, rewind))
            return new(PartitionLagStatus.Rewind, $"committed offset went back from {commits[rewind - 1].Offset} to {commits[rewind].Offset}");

        foreach (var commit in commits)
            if (commit.Lag <= allowedLag)
                return new(PartitionLagStatus.Ok, null);

        bool stalled = true;
        for (int i = 1; i < commits.Length && stalled; i++)
            stalled = commits[i].Offset == commits[i - 1].Offset;
        if (stalled)
            return new(PartitionLagStatus.Stall, $"committed offset stuck at {last.Offset} over the last {windowSize} commits with lag {currentLag}");

        for (int i = 1; i < commits.Length; i++)
            if (commits[i].Lag < commits[i - 1].Lag)
                return new(PartitionLagStatus.Ok, null);
        return new(PartitionLagStatus.Warning, $"lag did not fall over the last {windowSize} commits (now {currentLag})");
    }

    private static bool RecentLagZero(long lastCommitted, ReadOnlySpan<long> brokerOffsets)
    {
        foreach (long end in brokerOffsets)
            if (end <= lastCommitted)
                return true;
        return false;
    }

    private static int RewindIndex(ReadOnlySpan<CommitObservation> commits)
    {
        for (int i = 1; i < commits.Length; i++)
            if (commits[i].Offset < commits[i - 1].Offset)
                return i;
        return -1;
    }

    private static bool RewindRecovered(ReadOnlySpan<CommitObservation> commits, int rewind)
    {
        long before = commits[rewind - 1].Offset;
        for (int i = rewind; i < commits.Length; i++)
            if (commits[i].Offset >= before)
                return true;
        return false;
    }

    private static string Seconds(long ms) => (ms / 1000.0).ToString("0.#", CultureInfo.InvariantCulture) + " s";

    /// <summary>The group's status is its worst partition's: STOP, STALL or REWIND → ERR; WARNING → WARN; OK and
    /// INCOMPLETE → OK (how much of the group could be judged is reported separately).</summary>
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
