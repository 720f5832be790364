namespace IngestHub.Autoscaler;

/// <summary>
/// HPA's scale-down stabilization: recommendations are remembered for the window; scaling up takes the new
/// recommendation at once, scaling down only to the highest recommendation seen within the window — so a dip
/// must last the whole window before workers go, and flapping cannot remove and re-add them.
/// </summary>
public sealed class ScaleStabilizer(TimeSpan window, TimeProvider time)
{
    private readonly Queue<(long AtMs, int Workers)> _recommendations = new();

    public TimeSpan Window { get; } = window;

    /// <summary>The worker count to run given today's <paramref name="current"/> and a new recommendation.</summary>
    public int Stabilize(int recommendation, int current)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // As HPA does, a fresh window starts with the workers there are, so the first evaluation after a start
        // cannot remove them.
        if (_recommendations.Count == 0)
            _recommendations.Enqueue((now, current));
        _recommendations.Enqueue((now, recommendation));
        long horizon = now - (long)Window.TotalMilliseconds;
        while (_recommendations.Count > 1 && _recommendations.Peek().AtMs < horizon)
            _recommendations.Dequeue();
        if (recommendation >= current)
            return recommendation;
        int highest = recommendation;
        foreach (var (_, workers) in _recommendations)
            highest = Math.Max(highest, workers);
        return Math.Min(current, highest);
    }

    /// <summary>The highest recommendation within the window (what a scale-down waits on).</summary>
    public int Highest
    {
        get
        {
            int highest = 0;
            foreach (var (_, workers) in _recommendations)
                highest = Math.Max(highest, workers);
            return highest;
        }
    }

    /// <summary>When the highest recommendation above <paramref name="level"/> leaves the window (null: none is).</summary>
    public DateTimeOffset? ExpiresAbove(int level)
    {
        long? last = null;
        foreach (var (at, workers) in _recommendations)
            if (workers > level)
                last = at;
        return last is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) + Window : null;
    }

    public void Reset() => _recommendations.Clear();
}
