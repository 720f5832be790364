using IngestHub.Protocol;

namespace IngestHub.Broker.Logs;

/// <summary>Per-partition result of a produce.</summary>
public readonly record struct ProduceOutcome(ErrorCode Error, long BaseOffset, long LogAppendTime, long LogStartOffset, string? Message)
{
    public static ProduceOutcome Failed(ErrorCode error, string? message) => new(error, -1, -1, -1, message);
}
