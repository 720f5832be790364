using IngestHub.Protocol.Records;

namespace IngestHub.Client;

/// <summary>
/// A record batch the consumer fetched but cannot turn into records: its CRC-32C does not match, its codec is
/// unknown, it decompresses past the size limit, or its records are malformed. This is a data error, not a broker
/// failure: it is raised by <see cref="KafkaConsumer.ConsumeAsync(CancellationToken)"/> in offset order, in place
/// of the records it covers, and the consumer's position has already moved past <see cref="LastOffset"/>, so the
/// next call returns the records after it (and other partitions are not held up). Commit
/// <see cref="NextOffset"/> to skip the range for good, or <see cref="KafkaConsumer.Seek"/> back to
/// <see cref="FirstOffset"/> to read it again. Like the Java client's <c>CorruptRecordException</c>, but carrying
/// the whole range and the bytes.
/// </summary>
public sealed class RecordBatchDecodeException : Exception
{
    public RecordBatchDecodeException(TopicPartition partition, long firstOffset, long lastOffset, RecordBatchError error, string reason,
        ReadOnlyMemory<byte> batch)
        : base($"{partition.Topic}-{partition.Partition} offsets {firstOffset}..{lastOffset}: record batch cannot be decoded: {error}: {reason}")
    {
        TopicPartition = partition;
        FirstOffset = firstOffset;
        LastOffset = lastOffset;
        Error = error;
        Reason = reason;
        Batch = batch;
    }

    public RecordBatchDecodeException() : this("record batch cannot be decoded") { }

    public RecordBatchDecodeException(string message) : base(message)
    {
        TopicPartition = new TopicPartition("", -1);
        Reason = message;
    }

    public RecordBatchDecodeException(string message, Exception innerException) : base(message, innerException)
    {
        TopicPartition = new TopicPartition("", -1);
        Reason = message;
    }

    public TopicPartition TopicPartition { get; }
    public string Topic => TopicPartition.Topic;
    public int Partition => TopicPartition.Partition;

    /// <summary>First offset covered: the batch's base offset, or the fetch position when that was inside the batch.</summary>
    public long FirstOffset { get; }

    /// <summary>Last offset covered: the batch's last offset from its header (bounded by the next batch and the high
    /// watermark when the header itself is not trustworthy); <see cref="FirstOffset"/> when no header was readable.</summary>
    public long LastOffset { get; }

    /// <summary>Number of offsets covered.</summary>
    public long OffsetCount => LastOffset - FirstOffset + 1;

    /// <summary>Why decoding failed.</summary>
    public RecordBatchError Error { get; }

    /// <summary>What exactly was wrong, without the partition and range (those are in <see cref="Exception.Message"/>).</summary>
    public string Reason { get; }

    /// <summary>The whole batch as fetched (Kafka record batch bytes, header included); empty when the bytes could not
    /// be framed as a batch at all.</summary>
    public ReadOnlyMemory<byte> Batch { get; }

    /// <summary>The offset to commit to move past the range.</summary>
    public TopicPartitionOffset NextOffset => new(TopicPartition.Topic, TopicPartition.Partition, LastOffset + 1);
}
