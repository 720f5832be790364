namespace IngestHub.Streams.Bolts;

/// <summary>Settings of a <see cref="WindowAggregateBolt"/> (YAML keys in docs/streams.md).</summary>
public sealed class WindowAggregateOptions
{
    public TimeSpan Length { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Null for tumbling windows (slide = length).</summary>
    public TimeSpan? Slide { get; set; }

    /// <summary>Event time: a tuple field, an event field reference (<c>@timestamp</c>), or <c>record</c> for the
    /// Kafka record timestamp. Null: processing time (results are then at-least-once, see the docs).</summary>
    public string? Timestamp { get; set; }

    public TimeSpan Lag { get; set; }

    public TimeSpan WatermarkInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After this long without input the watermark follows the clock, closing the last windows.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>Group-by names (tuple fields or event field references); also emitted as tuple fields.</summary>
    public IReadOnlyList<string> GroupBy { get; set; } = [];

    public WindowAggregate Aggregate { get; set; } = WindowAggregate.Count;

    /// <summary>The field summed or counted distinctly.</summary>
    public string? Field { get; set; }

    /// <summary>Optional: one result field per value of this field (counts per level: ERROR, INFO…).</summary>
    public string? Pivot { get; set; }

    /// <summary>Include the group keys and the window bounds in the result document (for topics and indexes);
    /// by default the document holds only the aggregates (one Redis hash field each) and the keys and bounds
    /// are in its metadata.</summary>
    public bool FullDocument { get; set; }

    public string LateStream { get; set; } = TopologyConstants.LateStream;

    public TimeSpan SlideOrLength => Slide ?? Length;
}
