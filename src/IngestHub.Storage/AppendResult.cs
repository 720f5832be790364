using IngestHub.Protocol;
using IngestHub.Protocol.Records;

namespace IngestHub.Storage;

/// <summary>Outcome of an append. On error nothing was written and the offsets are -1.</summary>
/// <param name="Error">Kafka error code for the produce response (None on success).</param>
/// <param name="BatchError">Why the input was rejected, when it was a batch validation failure.</param>
/// <param name="BaseOffset">Offset assigned to the first record.</param>
/// <param name="LastOffset">Offset of the last record appended.</param>
/// <param name="LogAppendTime">Broker timestamp when the topic uses LogAppendTime, else -1.</param>
/// <param name="LogStartOffset">Log start offset after the append.</param>
/// <param name="Header">Header of the first batch as stored (offsets assigned), for producer-state tracking.</param>
/// <param name="BatchCount">Number of batches appended.</param>
public readonly record struct AppendResult(
    ErrorCode Error,
    RecordBatchError BatchError,
    long BaseOffset,
    long LastOffset,
    long LogAppendTime,
    long LogStartOffset,
    RecordBatchHeader Header,
    int BatchCount)
{
    public bool Succeeded => Error == ErrorCode.None;

    /// <summary>Why the append was refused, in words for the produce response, when the batch error alone does not say.</summary>
    public string? Message { get; init; }

    internal static AppendResult Failed(ErrorCode error, RecordBatchError batchError = RecordBatchError.None, string? message = null) =>
        new(error, batchError, -1, -1, -1, -1, default, 0) { Message = message };
}
