using IngestHub.Client;

namespace IngestHub.Pipelines.Runtime;

/// <summary>Turns one consumed record into events: decode with the codec, then run the filters. Pure and
/// synchronous; a worker calls it for every record of a batch.</summary>
public interface IRecordProcessor
{
    RecordOutcome Process(ConsumeResult record);
}

/// <summary>What became of one record: the events to deliver, how many were dropped by filters, and a failure
/// (stage and reason) when the record could not be decoded — that record goes to the dead-letter topic.</summary>
public readonly record struct RecordOutcome(IReadOnlyList<Events.LogEvent> Events, int Dropped, string? FailedStage, string? FailureReason)
{
    public bool Failed => FailedStage is not null;
    public static RecordOutcome Failure(string stage, string reason) => new([], 0, stage, reason);
}
