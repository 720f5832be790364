namespace IngestHub.Pipelines.Runtime;

/// <summary>A connector's status as the REST API and dashboard show it.</summary>
public sealed record ConnectorStatus(
    string Name,
    ConnectorState State,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<WorkerStatus> Workers,
    ConnectorCounters Counters)
{
    /// <summary>Processing, relaying to a spill topic, or holding while a spill drains.</summary>
    public ConnectorMode Mode { get; init; } = ConnectorMode.Process;
}

/// <summary>One worker (group member): its state, partitions and last error.</summary>
public sealed record WorkerStatus(int Id, ConnectorState State, string MemberId, IReadOnlyList<string> Partitions, string? LastError);

/// <summary>Totals since the connector started. Records of a batch that could not be decoded count as in, failed and
/// dead-lettered (all of its offsets); <see cref="UndecodableBatches"/> counts such batches. <see cref="Relayed"/> counts
/// records forwarded to a spill topic.</summary>
public sealed record ConnectorCounters(long EventsIn, long EventsOut, long Filtered, long Failed, long DeadLettered, long Batches, long Retries,
    long UndecodableBatches = 0, long Relayed = 0);
