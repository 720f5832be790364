namespace IngestHub.Streams.Windows;

/// <summary>
/// How a windowed bolt windows its input (Storm's BaseWindowedBolt settings): length and sliding interval (count or
/// duration; equal for tumbling windows), event time from a timestamp field or extractor (else processing time),
/// lag (maximum out-of-orderness), the watermark interval (1 s), the late-tuple stream, and how long input may be
/// idle before the watermark follows the clock.
/// </summary>
public sealed class WindowConfiguration
{
    public WindowSize Length { get; set; } = WindowSize.Count(1);

    public WindowSize Slide { get; set; } = WindowSize.Count(1);

    /// <summary>Tuple field holding the event time: epoch milliseconds (long), a DateTimeOffset/DateTime, or ISO-8601 text.</summary>
    public string? TimestampField { get; set; }

    /// <summary>Event time in epoch milliseconds, computed from the tuple (instead of a field).</summary>
    public Func<StreamTuple, long>? TimestampExtractor { get; set; }

    /// <summary>How far event time may go back: the watermark trails the latest timestamp by this much.</summary>
    public TimeSpan Lag { get; set; } = TimeSpan.Zero;

    public TimeSpan WatermarkInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Stream late tuples are emitted on (field <c>late_tuple</c>); null logs and drops them.</summary>
    public string? LateTupleStream { get; set; }

    /// <summary>With event time: after this long without input the watermark advances with the clock
    /// (now − lag), so the last windows close when input stops. Null (default) waits for newer tuples, as Storm.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    public bool IsEventTime => TimestampField is not null || TimestampExtractor is not null;

    public bool IsTumbling => Length == Slide;

    /// <summary>Storm's checks: consistent sizes, a late stream only with event time.</summary>
    internal void Validate(string componentId)
    {
        if (Length.IsCount != Slide.IsCount && Length.IsCount)
            throw new InvalidTopologyException($"{componentId}: a count window cannot slide by a duration");
        if (!Length.IsCount && !Slide.IsCount && Slide.Duration > Length.Duration)
            throw new InvalidTopologyException($"{componentId}: the sliding interval ({Slide}) is longer than the window ({Length})");
        if (Length.IsCount && Slide.IsCount && Slide.TupleCount > Length.TupleCount)
            throw new InvalidTopologyException($"{componentId}: the sliding interval ({Slide}) is longer than the window ({Length})");
        if (LateTupleStream is not null && !IsEventTime)
            throw new InvalidTopologyException($"{componentId}: a late tuple stream needs event time (a timestamp field or extractor)");
        if (Lag < TimeSpan.Zero)
            throw new InvalidTopologyException($"{componentId}: lag must not be negative");
        if (WatermarkInterval <= TimeSpan.Zero)
            throw new InvalidTopologyException($"{componentId}: the watermark interval must be positive");
    }

    /// <summary>Storm refuses, at submit, windows whose tuples would time out before the window expires them:
    /// duration length + slide above the message timeout, or count length + slide above max.spout.pending.</summary>
    internal void CheckAgainst(string componentId, TopologyConfig config)
    {
        if (!Length.IsCount)
        {
            var total = Length.Duration + (Slide.IsCount ? TimeSpan.Zero : Slide.Duration);
            if (total > config.MessageTimeout)
                throw new InvalidTopologyException($"{componentId}: window length + sliding interval ({WindowSize.Describe(total)}) exceeds {TopologyConfig.MessageTimeoutSecsKey} ({config.MessageTimeoutSecs}s): its tuples would time out before the window expires them");
        }
        else if (config.MaxSpoutPending is int max && Length.TupleCount + Slide.TupleCount > max)
        {
            throw new InvalidTopologyException($"{componentId}: window length + sliding interval ({Length.TupleCount + Slide.TupleCount} tuples) exceeds {TopologyConfig.MaxSpoutPendingKey} ({max}): the spouts would stop before the window fills");
        }
    }
}
