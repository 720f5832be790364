namespace IngestHub.Streams;

/// <summary>One task: its id, the executor running it, its counters, pending tuples and queued input.</summary>
public sealed record TaskStatus(int TaskId, int Executor, long Emitted, long Acked, long Failed, long Executed, int Pending, int Queued, string? LastError);
