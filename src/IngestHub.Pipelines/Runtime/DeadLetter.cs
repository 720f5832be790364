using System.Buffers.Binary;
using IngestHub.Client;
using IngestHub.Protocol.Records;

namespace IngestHub.Pipelines.Runtime;

/// <summary>A record that goes to the dead-letter topic, with why and where it failed. <see cref="LastOffset"/> is set
/// for a whole record batch that could not be decoded: <see cref="Record"/> then carries the batch bytes as its value
/// and the first offset of the range.</summary>
public sealed record DeadLetter(ConsumeResult Record, string Stage, string ErrorType, string Reason, long? LastOffset = null)
{
    /// <summary>Stage name of a batch that could not be decoded.</summary>
    public const string BatchStage = "batch";

    /// <summary>The dead letter for an undecodable batch: value = the batch as stored (empty when it could not be framed),
    /// timestamp = the batch's max timestamp when its header is readable, else -1.</summary>
    public static DeadLetter ForBatch(RecordBatchDecodeException failure)
    {
        var bytes = failure.Batch;
        long timestamp = bytes.Length >= RecordBatchHeader.Size
            ? BinaryPrimitives.ReadInt64BigEndian(bytes.Span[RecordBatchHeader.MaxTimestampOffset..])
            : -1;
        var record = new ConsumeResult
        {
            Topic = failure.Topic,
            Partition = failure.Partition,
            Offset = failure.FirstOffset,
            Timestamp = timestamp,
            Key = null,
            Value = bytes.IsEmpty ? null : bytes.ToArray(),
        };
        return new DeadLetter(record, BatchStage, failure.Error.ToString(), failure.Reason, failure.LastOffset);
    }

    /// <summary>Offsets this letter stands for (1 for a record).</summary>
    public long OffsetCount => (LastOffset ?? Record.Offset) - Record.Offset + 1;
}
