using IngestHub.Protocol;
using IngestHub.Protocol.Records;

namespace IngestHub.Broker.Producers;

/// <summary>
/// Idempotent-producer state of one partition: per producer id the current epoch and the last five batches.
/// Implements Kafka's rules: a lower epoch is fenced (INVALID_PRODUCER_EPOCH), a new epoch starts at sequence 0,
/// within an epoch each batch continues the last sequence (else OUT_OF_ORDER_SEQUENCE_NUMBER), and an exact
/// retry of one of the last five batches is answered with its original offsets instead of being appended again.
/// Not thread-safe: the partition's single writer owns it.
/// </summary>
public sealed class ProducerStateTable
{
    public const int RetainedBatches = 5;
    private readonly Dictionary<long, ProducerEntry> _producers = [];

    public int Count => _producers.Count;
    public IReadOnlyDictionary<long, ProducerEntry> Producers => _producers;

    public SequenceCheck Check(in RecordBatchHeader batch)
    {
        if (batch.ProducerId < 0)
            return SequenceCheck.Accept;
        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
            return SequenceCheck.Accept; // unknown producer (new, or its state expired): accept any sequence
        if (batch.ProducerEpoch < entry.Epoch)
            return new SequenceCheck(ErrorCode.InvalidProducerEpoch, null);
        if (batch.ProducerEpoch > entry.Epoch)
            return batch.BaseSequence == 0 ? SequenceCheck.Accept : new SequenceCheck(ErrorCode.OutOfOrderSequenceNumber, null);
        int lastSequence = batch.LastSequence;
        foreach (var previous in entry.Batches)
        {
            if (previous.FirstSequence == batch.BaseSequence && previous.LastSequence == lastSequence)
                return new SequenceCheck(ErrorCode.None, previous);
        }
        if (entry.Batches.Count == 0)
            return SequenceCheck.Accept;
        int expected = NextSequence(entry.Batches[^1].LastSequence);
        return batch.BaseSequence == expected ? SequenceCheck.Accept : new SequenceCheck(ErrorCode.OutOfOrderSequenceNumber, null);
    }

    /// <summary>Records a batch after it was appended at <paramref name="firstOffset"/> (also used when
    /// rebuilding state from the log).</summary>
    public void Update(in RecordBatchHeader batch, long firstOffset)
    {
        if (batch.ProducerId < 0)
            return;
        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            entry = new ProducerEntry { Epoch = batch.ProducerEpoch };
            _producers[batch.ProducerId] = entry;
        }
        if (batch.ProducerEpoch != entry.Epoch)
        {
            entry.Epoch = batch.ProducerEpoch;
            entry.Batches.Clear();
        }
        if (entry.Batches.Count == RetainedBatches)
            entry.Batches.RemoveAt(0);
        entry.Batches.Add(new ProducerBatch(batch.ProducerEpoch, batch.BaseSequence, batch.LastSequence, firstOffset, firstOffset + batch.LastOffsetDelta, batch.MaxTimestamp));
        entry.LastTimestamp = batch.MaxTimestamp;
    }

    /// <summary>Restores one producer from a snapshot.</summary>
    public void Restore(long producerId, ProducerEntry entry) => _producers[producerId] = entry;

    /// <summary>Drops producers whose last batch is older than <paramref name="cutoffTimestamp"/>
    /// (producer.id.expiration.ms).</summary>
    public void ExpireBefore(long cutoffTimestamp)
    {
        List<long>? expired = null;
        foreach (var (id, entry) in _producers)
            if (entry.LastTimestamp < cutoffTimestamp)
                (expired ??= []).Add(id);
        if (expired is null)
            return;
        foreach (var id in expired)
            _producers.Remove(id);
    }

    public void Clear() => _producers.Clear();

    private static int NextSequence(int sequence) => sequence == int.MaxValue ? 0 : sequence + 1;
}
