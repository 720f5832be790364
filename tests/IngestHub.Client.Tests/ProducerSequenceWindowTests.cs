using IngestHub.Broker.Producers;
using IngestHub.Client.Internal;
using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Xunit;
using ProducerBatch = IngestHub.Client.Internal.ProducerBatch;

namespace IngestHub.Client.Tests;

/// <summary>
/// A partition's sequencing window against the broker's real producer-state table, in the interleaving a dropped
/// connection allows: batch 0 was sent on the dropped connection (and appended), batches 1–4 went on the new one and
/// their acks are handled before the failure of batch 0.
/// </summary>
public sealed class ProducerSequenceWindowTests
{
    private const long ProducerId = 7;
    private static readonly TopicPartition Partition = new("window", 0);

    [Fact]
    public void Acks_that_overtake_a_failed_batch_keep_it_in_the_window_until_its_retry_is_acknowledged()
    {
        var broker = new ProducerStateTable();
        var client = new ProducerPartition(Partition);
        long nextOffset = 0;
        var batches = new List<ProducerBatch>();
        for (int i = 0; i < ProducerStateTable.RetainedBatches; i++)
        {
            var batch = Sequence(client);
            batches.Add(batch);
            Assert.Equal(SequenceCheck.Accept, broker.Check(Header(batch)));
            broker.Update(Header(batch), nextOffset++);
        }
        foreach (var acked in batches.Skip(1))
            client.Acknowledge(acked);

        // Batch 0 is still unresolved, so all five count: the sender may not sequence a sixth batch.
        Assert.Equal(ProducerStateTable.RetainedBatches, client.Unacked.Count);
        Assert.Same(batches[0], client.Unacked[0]);

        // Its retry is within the broker's last five batches: answered with its original offset.
        var retry = broker.Check(Header(batches[0]));
        Assert.Equal(ErrorCode.None, retry.Error);
        Assert.Equal(0, retry.Duplicate!.Value.FirstOffset);
        client.Acknowledge(batches[0]);
        Assert.Empty(client.Unacked);
        batches.ForEach(b => b.Dispose());
    }

    [Fact]
    public void Broker_refuses_a_retry_older_than_the_last_five_batches_so_a_sixth_batch_must_wait()
    {
        // Why the window is five: had the sender sequenced a sixth batch before the retry, the broker (as Kafka's)
        // would no longer recognise batch 0 and would answer OUT_OF_ORDER_SEQUENCE_NUMBER for the oldest batch.
        var broker = new ProducerStateTable();
        var client = new ProducerPartition(Partition);
        var batches = new List<ProducerBatch>();
        for (int i = 0; i <= ProducerStateTable.RetainedBatches; i++)
        {
            var batch = Sequence(client);
            batches.Add(batch);
            broker.Update(Header(batch), i);
        }
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, broker.Check(Header(batches[0])).Error);
        Assert.True(broker.Check(Header(batches[1])).IsDuplicate);
        batches.ForEach(b => b.Dispose());
    }

    [Fact]
    public void A_failed_head_leaves_acknowledged_batches_behind_it_out_of_the_window()
    {
        var client = new ProducerPartition(Partition);
        var first = Sequence(client);
        var second = Sequence(client);
        var third = Sequence(client);
        client.Acknowledge(second);
        Assert.Equal([first, second, third], client.Unacked);
        client.Forget(first);
        Assert.Equal([third], client.Unacked);
        foreach (var batch in new[] { first, second, third })
            batch.Dispose();
    }

    /// <summary>Sequences one batch of one record as the sender does when it first sends it.</summary>
    private static ProducerBatch Sequence(ProducerPartition partition)
    {
        var batch = new ProducerBatch(Partition, CompressionType.None, 0, long.MaxValue, capacity: 256, expectedRecords: 1);
        batch.Append(0, null, [1, 2, 3], [], new Delivery(null, null, 0), 0);
        batch.Freeze(ProducerId, 0, partition.NextSequence);
        partition.NextSequence += batch.RecordCount;
        partition.Unacked.Add(batch);
        return batch;
    }

    private static RecordBatchHeader Header(ProducerBatch batch)
    {
        Assert.Equal(RecordBatchError.None, RecordBatchHeader.TryRead(batch.Wire.Span, out var header));
        return header;
    }
}
