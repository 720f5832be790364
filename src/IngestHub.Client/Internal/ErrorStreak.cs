namespace IngestHub.Client.Internal;

/// <summary>
/// Consecutive failures of one thing (fetches from one broker, fetch errors of one partition, start-offset lookups):
/// says when a Warning is due, so a failure that keeps repeating is never silent while a single blip stays at Debug,
/// and how long the streak was when it clears. Used by one task at a time.
/// </summary>
internal sealed class ErrorStreak(int warnAfter = 3, long repeatMs = 30_000)
{
    private long _lastWarningMs;

    public int Count { get; private set; }

    /// <summary>Counts one failure; true when it is to be logged at Warning: the <c>warnAfter</c>-th in a row, then at
    /// most once per <c>repeatMs</c> while the failures go on.</summary>
    public bool Fail()
    {
        Count++;
        if (Count < warnAfter)
            return false;
        long now = Environment.TickCount64;
        if (Count == warnAfter || now - _lastWarningMs >= repeatMs)
        {
            _lastWarningMs = now;
            return true;
        }
        return false;
    }

    /// <summary>Ends the streak; returns its length when it had been warned about (so the recovery is logged too), else 0.</summary>
    public int Succeed()
    {
        int warned = Count >= warnAfter ? Count : 0;
        Count = 0;
        return warned;
    }
}
