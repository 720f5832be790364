using System.Buffers.Binary;
using IngestHub.Protocol.Records;

namespace IngestHub.Client.Internal;

/// <summary>
/// Records for one partition travelling together. Records are appended to a <see cref="RecordBatchBuilder"/>
/// until the batch is closed; the first send freezes the wire bytes (with producer id and sequence) so every
/// retry resends exactly the same batch, which is what lets the broker recognise a duplicate.
/// </summary>
internal sealed class ProducerBatch(TopicPartition topicPartition, CompressionType compression, long createdMs, long deadlineMs) : IDisposable
{
    private RecordBatchBuilder? _builder = new(compression, 4096);
    private readonly List<Delivery> _deliveries = [];

    public TopicPartition TopicPartition { get; } = topicPartition;
    public long CreatedMs { get; } = createdMs;
    public long DeadlineMs { get; } = deadlineMs;
    public int ReservedBytes { get; private set; }
    public int RecordCount => _deliveries.Count;
    public int RecordsBytes => _builder?.RecordsBytes ?? 0;
    public byte[]? Wire { get; private set; }
    public int BaseSequence { get; private set; } = -1;
    public int Attempts { get; set; }
    public long RetryAtMs { get; set; }

    public void Append(long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeaderEntry> headers, in Delivery delivery, int reservedBytes)
    {
        _builder!.Append(timestamp, key, value, headers);
        _deliveries.Add(delivery);
        ReservedBytes += reservedBytes;
    }

    /// <summary>Builds the wire bytes once; later calls keep them.</summary>
    public void Freeze(long producerId, short producerEpoch, int baseSequence)
    {
        if (Wire is not null)
            return;
        var builder = _builder!;
        builder.ProducerId = producerId;
        builder.ProducerEpoch = producerEpoch;
        builder.BaseSequence = baseSequence;
        BaseSequence = baseSequence;
        Wire = builder.ToArray();
        Dispose();
    }

    /// <summary>Rewrites producer id, epoch and sequence of frozen bytes (after a producer id reset) and the CRC.</summary>
    public void Restamp(long producerId, short producerEpoch, int baseSequence)
    {
        var wire = Wire!;
        BinaryPrimitives.WriteInt64BigEndian(wire.AsSpan(RecordBatchHeader.ProducerIdOffset), producerId);
        BinaryPrimitives.WriteInt16BigEndian(wire.AsSpan(RecordBatchHeader.ProducerEpochOffset), producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(wire.AsSpan(RecordBatchHeader.BaseSequenceOffset), baseSequence);
        BinaryPrimitives.WriteUInt32BigEndian(wire.AsSpan(RecordBatchHeader.CrcOffset), RecordBatchHeader.ComputeCrc(wire));
        BaseSequence = baseSequence;
    }

    public void Complete(long baseOffset, long logAppendTimeMs)
    {
        for (int i = 0; i < _deliveries.Count; i++)
        {
            var delivery = _deliveries[i];
            long offset = baseOffset < 0 ? -1 : baseOffset + i;
            var result = new DeliveryResult(TopicPartition.Topic, TopicPartition.Partition, offset, logAppendTimeMs >= 0 ? logAppendTimeMs : delivery.Timestamp);
            delivery.Completion?.TrySetResult(result);
            Report(delivery, new DeliveryReport(result, null));
        }
        Release();
    }

    public void Fail(KafkaException error)
    {
        foreach (var delivery in _deliveries)
        {
            delivery.Completion?.TrySetException(error);
            Report(delivery, new DeliveryReport(null, error));
        }
        Release();
    }

    private static void Report(in Delivery delivery, DeliveryReport report)
    {
        try
        {
            delivery.Callback?.Invoke(report);
        }
        catch (Exception)
        {
            // A throwing delivery handler must not stop the producer; the caller owns its handler's errors.
        }
    }

    /// <summary>Returns the builder's buffers; <see cref="Freeze"/>, <see cref="Complete"/> and <see cref="Fail"/> do it too.</summary>
    public void Dispose()
    {
        _builder?.Dispose();
        _builder = null;
    }

    private void Release()
    {
        Dispose();
        Wire = null;
    }
}

/// <summary>Who to tell about one record's outcome.</summary>
internal readonly record struct Delivery(TaskCompletionSource<DeliveryResult>? Completion, Action<DeliveryReport>? Callback, long Timestamp);
