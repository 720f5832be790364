using System.Buffers;
using System.Buffers.Binary;
using IngestHub.Protocol.Records;

namespace IngestHub.Client.Internal;

/// <summary>
/// Records for one partition travelling together. Records are appended to a <see cref="RecordBatchBuilder"/>
/// (a pooled buffer sized for the whole batch) until the batch is closed; the first send freezes the wire bytes
/// (with producer id and sequence) in that same buffer, so every retry resends exactly the same batch, which is
/// what lets the broker recognise a duplicate. The buffer goes back to the pool when the batch completes or fails.
/// </summary>
internal sealed class ProducerBatch(TopicPartition topicPartition, CompressionType compression, long createdMs, long deadlineMs, int capacity,
    int expectedRecords) : IDisposable
{
    private RecordBatchBuilder? _builder = new(compression, capacity);
    // Who to tell about each record, in a pooled array (cleared when returned: it holds callbacks and completions).
    private Delivery[] _deliveries = ArrayPool<Delivery>.Shared.Rent(expectedRecords);
    private int _count;
    private Memory<byte> _wire;
    private bool _frozen;

    public TopicPartition TopicPartition { get; } = topicPartition;
    public long CreatedMs { get; } = createdMs;
    public long DeadlineMs { get; } = deadlineMs;
    public int ReservedBytes { get; private set; }
    public int RecordCount => _count;
    public int RecordsBytes => _builder?.RecordsBytes ?? 0;
    /// <summary>The frozen wire bytes (empty before <see cref="Freeze"/>).</summary>
    public ReadOnlyMemory<byte> Wire => _wire;
    public int BaseSequence { get; private set; } = -1;
    public int Attempts { get; set; }
    public long RetryAtMs { get; set; }
    public bool Acknowledged { get; set; }

    public void Append(long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeaderEntry> headers, in Delivery delivery, int reservedBytes)
    {
        _builder!.Append(timestamp, key, value, headers);
        if (_count == _deliveries.Length)
        {
            var larger = ArrayPool<Delivery>.Shared.Rent(_count * 2);
            _deliveries.AsSpan(0, _count).CopyTo(larger);
            ArrayPool<Delivery>.Shared.Return(_deliveries, clearArray: true);
            _deliveries = larger;
        }
        _deliveries[_count++] = delivery;
        ReservedBytes += reservedBytes;
    }

    /// <summary>Builds the wire bytes once; later calls keep them.</summary>
    public void Freeze(long producerId, short producerEpoch, int baseSequence)
    {
        if (_frozen)
            return;
        var builder = _builder!;
        builder.ProducerId = producerId;
        builder.ProducerEpoch = producerEpoch;
        builder.BaseSequence = baseSequence;
        BaseSequence = baseSequence;
        _wire = builder.BuildInPlace();
        _frozen = true;
    }

    /// <summary>Rewrites producer id, epoch and sequence of frozen bytes (after a producer id reset) and the CRC.</summary>
    public void Restamp(long producerId, short producerEpoch, int baseSequence)
    {
        var wire = _wire.Span;
        BinaryPrimitives.WriteInt64BigEndian(wire[RecordBatchHeader.ProducerIdOffset..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(wire[RecordBatchHeader.ProducerEpochOffset..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(wire[RecordBatchHeader.BaseSequenceOffset..], baseSequence);
        BinaryPrimitives.WriteUInt32BigEndian(wire[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(wire));
        BaseSequence = baseSequence;
    }

    public void Complete(long baseOffset, long logAppendTimeMs)
    {
        for (int i = 0; i < _count; i++)
        {
            var delivery = _deliveries[i];
            if (delivery.Completion is null && delivery.Callback is null)
                continue;
            long offset = baseOffset < 0 ? -1 : baseOffset + i;
            var result = new DeliveryResult(TopicPartition.Topic, TopicPartition.Partition, offset, logAppendTimeMs >= 0 ? logAppendTimeMs : delivery.Timestamp);
            delivery.Completion?.TrySetResult(result);
            Report(delivery, new DeliveryReport(result, null));
        }
        Release();
    }

    public void Fail(KafkaException error)
    {
        foreach (var delivery in _deliveries.AsSpan(0, _count))
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

    /// <summary>Returns the builder's buffers (the wire bytes with them); <see cref="Complete"/> and <see cref="Fail"/> do it too.</summary>
    public void Dispose()
    {
        _wire = default;
        _builder?.Dispose();
        _builder = null;
    }

    private void Release()
    {
        Dispose();
        var deliveries = _deliveries;
        _deliveries = [];
        _count = 0;
        if (deliveries.Length > 0)
            ArrayPool<Delivery>.Shared.Return(deliveries, clearArray: true);
    }
}

/// <summary>Who to tell about one record's outcome.</summary>
internal readonly record struct Delivery(TaskCompletionSource<DeliveryResult>? Completion, Action<DeliveryReport>? Callback, long Timestamp);
