using IngestHub.Streams.Topology;

namespace IngestHub.Streams;

/// <summary>
/// One component as Storm UI shows it: executors and tasks; emitted, transferred, acked, failed and executed
/// (totals and per second over the last minute); execute, process and complete latency (ms, last minute);
/// capacity (busiest executor's busy fraction over the last 10 s); pending tuples; queued input; errors.
/// </summary>
public sealed record ComponentStatus(
    string Id,
    ComponentKind Kind,
    string Type,
    int Executors,
    int Tasks,
    long Emitted,
    long Transferred,
    long Acked,
    long Failed,
    long Executed,
    double EmittedPerSecond,
    double AckedPerSecond,
    double FailedPerSecond,
    double ExecutedPerSecond,
    double ExecuteLatencyMs,
    double ProcessLatencyMs,
    double CompleteLatencyMs,
    double Capacity,
    int Pending,
    int Queued,
    long Errors,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<TaskStatus> TaskDetails,
    IReadOnlyList<SourcePartitionStatus> Partitions);
