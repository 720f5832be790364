namespace IngestHub.Pipelines.Sinks;

/// <summary>Outcome of one batch: events the sink refused as bad (index into the batch, error type, reason).
/// Everything else was stored.</summary>
public sealed class SinkWriteResult
{
    public static readonly SinkWriteResult AllDelivered = new([]);

    public SinkWriteResult(IReadOnlyList<SinkRejection> rejected) => Rejected = rejected;

    public IReadOnlyList<SinkRejection> Rejected { get; }
}

/// <summary>An event the sink refused permanently (mapping error, malformed document…).</summary>
public readonly record struct SinkRejection(int Index, string ErrorType, string Reason);
