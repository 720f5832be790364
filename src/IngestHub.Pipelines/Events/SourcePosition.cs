namespace IngestHub.Pipelines.Events;

/// <summary>Where an event came from: its record's topic, partition and offset.</summary>
public readonly record struct SourcePosition(string Topic, int Partition, long Offset)
{
    /// <summary>Default document id <c>topic-partition-offset</c>: a retried batch overwrites instead of duplicating.</summary>
    public string DocumentId => $"{Topic}-{Partition}-{Offset}";
}
