namespace IngestHub.Pipelines.Runtime;

/// <summary>A connector's status as the REST API and dashboard show it.</summary>
public sealed record ConnectorStatus(
    string Name,
    ConnectorState State,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<WorkerStatus> Workers,
    ConnectorCounters Counters);

/// <summary>One worker (group member): its state, partitions and last error.</summary>
public sealed record WorkerStatus(int Id, ConnectorState State, string MemberId, IReadOnlyList<string> Partitions, string? LastError);

/// <summary>Totals since the connector started.</summary>
public sealed record ConnectorCounters(long EventsIn, long EventsOut, long Filtered, long Failed, long DeadLettered, long Batches, long Retries);
