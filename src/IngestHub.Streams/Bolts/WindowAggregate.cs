namespace IngestHub.Streams.Bolts;

/// <summary>What a window aggregate computes per group: tuples, the sum of a numeric field, or distinct values of a field.</summary>
public enum WindowAggregate
{
    Count,
    Sum,
    Distinct,
}
