using IngestHub.Client;

namespace IngestHub.Pipelines.Runtime;

/// <summary>Turns one consumed record into events: decode with the codec, then run the filters. Synchronous and
/// safe to call from several workers at once; a worker calls it for every record of a batch.</summary>
public interface IRecordProcessor
{
    /// <summary>Appends the record's events to <paramref name="events"/> (the caller's list, reused across
    /// records) and says what else became of it.</summary>
    RecordOutcome Process(ConsumeResult record, List<Events.LogEvent> events);
}

/// <summary>What became of one record: how many events it appended, how many were dropped by filters, and a
/// failure (stage and reason) when the record could not be decoded — that record goes to the dead-letter topic.</summary>
public readonly record struct RecordOutcome(int Events, int Dropped, string? FailedStage, string? FailureReason)
{
    public bool Failed => FailedStage is not null;
    public static RecordOutcome Failure(string stage, string reason) => new(0, 0, stage, reason);
}
