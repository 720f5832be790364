using System.Buffers.Binary;
using System.Text;
using IngestHub.Client.Internal;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Client.Tests;

/// <summary>
/// Data errors are not transport errors: a fetched batch that cannot be decoded is raised to the application in
/// offset order with its partition and range, the position moves past it, and everything else in the response
/// (later batches, other partitions) is delivered. The broker validates CRCs but never decompresses, so a batch with
/// a valid CRC and a broken compressed payload is accepted by produce and reaches the consumer as it would from any
/// Kafka broker.
/// </summary>
public sealed class UndecodableBatchTests(BrokerFixture broker)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static byte[] GoodBatch(int first, int count, CompressionType compression = CompressionType.None)
    {
        using var builder = new RecordBatchBuilder(compression);
        for (int i = first; i < first + count; i++)
            builder.Append(1_700_000_000_000 + i, Encoding.UTF8.GetBytes("k" + i), Encoding.UTF8.GetBytes("v" + i));
        return builder.ToArray();
    }

    /// <summary>A batch of <paramref name="count"/> records claiming <paramref name="compression"/> whose payload is
    /// <paramref name="payload"/>; the CRC is valid, so only decoding can find the fault.</summary>
    private static byte[] SealedBatch(CompressionType compression, int count, byte[] payload)
    {
        byte[] batch = GoodBatch(0, count);
        batch = [.. batch.AsSpan(0, RecordBatchHeader.Size), .. payload];
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset), batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset), (short)compression);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset), RecordBatchHeader.ComputeCrc(batch));
        return batch;
    }

    /// <summary>zstd garbage: the zstd magic followed by bytes that are not a frame.</summary>
    private static byte[] BrokenZstd(int count) => SealedBatch(CompressionType.Zstd, count, [0x28, 0xB5, 0x2F, 0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5]);

    /// <summary>Produces raw batch bytes to one partition (what a third-party producer might send); returns the base offset.</summary>
    private async Task<long> ProduceRawAsync(string topic, int partition, byte[] batch)
    {
        await using var cluster = new ClusterClient(new ClientOptions { BootstrapServers = broker.BootstrapServers });
        var metadata = await cluster.RefreshMetadataAsync([topic], false, CancellationToken.None);
        int leader = metadata.LeaderOf(new TopicPartition(topic, partition));
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 10_000,
            Topics = [new ProduceRequest.Topic { Name = topic, Partitions = [new ProduceRequest.Partition { PartitionIndex = partition, Records = new MemoryRecordsPayload(batch) }] }],
        };
        var response = await cluster.SendAsync<ProduceRequest, ProduceResponse>(leader, request, CancellationToken.None);
        var result = response.Topics[0].Partitions[0];
        Assert.Equal(ErrorCode.None, result.ErrorCode);
        return result.BaseOffset;
    }

    private async Task<string> CreateTopicAsync(int partitions)
    {
        string topic = BrokerFixture.UniqueName("bad");
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = broker.BootstrapServers });
        await admin.CreateTopicAsync(topic, partitions);
        return topic;
    }

    /// <summary>Consumes until <paramref name="records"/> records and <paramref name="failures"/> failures arrived.</summary>
    private static async Task<(List<ConsumeResult> Records, List<RecordBatchDecodeException> Failures, List<object> Order)> DrainAsync(
        KafkaConsumer consumer, int records, int failures)
    {
        var got = new List<ConsumeResult>();
        var failed = new List<RecordBatchDecodeException>();
        var order = new List<object>();
        var deadline = DateTime.UtcNow + Deadline;
        while ((got.Count < records || failed.Count < failures) && DateTime.UtcNow < deadline)
        {
            try
            {
                if (await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500)) is { } record)
                {
                    got.Add(record);
                    order.Add(record);
                }
            }
            catch (RecordBatchDecodeException ex)
            {
                failed.Add(ex);
                order.Add(ex);
            }
        }
        Assert.Equal(records, got.Count);
        Assert.Equal(failures, failed.Count);
        return (got, failed, order);
    }

    [Fact]
    public async Task A_batch_that_cannot_be_decoded_is_raised_in_offset_order_with_its_range_and_the_records_after_it_follow()
    {
        string topic = await CreateTopicAsync(1);
        Assert.Equal(0, await ProduceRawAsync(topic, 0, GoodBatch(0, 10, CompressionType.Zstd)));
        byte[] broken = BrokenZstd(5);
        Assert.Equal(10, await ProduceRawAsync(topic, 0, broken));
        Assert.Equal(15, await ProduceRawAsync(topic, 0, GoodBatch(15, 10, CompressionType.Lz4)));

        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = broker.BootstrapServers, AutoOffsetReset = AutoOffsetReset.Earliest });
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([tp]);
        var (records, failures, order) = await DrainAsync(consumer, 20, 1);

        Assert.Equal([.. Enumerable.Range(0, 10), .. Enumerable.Range(15, 10)], records.Select(r => (int)r.Offset));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "v" + i).Concat(Enumerable.Range(15, 10).Select(i => "v" + i)),
            records.Select(r => Encoding.UTF8.GetString(r.Value!)));
        var failure = failures[0];
        Assert.Same(failure, order[10]); // between the records before and after it
        Assert.Equal(tp, failure.TopicPartition);
        Assert.Equal(10, failure.FirstOffset);
        Assert.Equal(14, failure.LastOffset);
        Assert.Equal(5, failure.OffsetCount);
        Assert.Equal(RecordBatchError.CorruptCompressedData, failure.Error);
        Assert.StartsWith("zstd: ", failure.Reason);
        Assert.Contains($"{topic}-0 offsets 10..14", failure.Message);
        Assert.Equal(new TopicPartitionOffset(topic, 0, 15), failure.NextOffset);
        // The raw batch as stored: identical to what was produced apart from the base offset and the partition
        // leader epoch the broker assigned (neither is covered by the CRC).
        Assert.Equal(broken.Length, failure.Batch.Length);
        Assert.Equal(10, BinaryPrimitives.ReadInt64BigEndian(failure.Batch.Span));
        Assert.True(failure.Batch.Span[8..12].SequenceEqual(broken.AsSpan(8, 4)));
        Assert.True(failure.Batch.Span[16..].SequenceEqual(broken.AsSpan(16)));
        Assert.Equal(25, consumer.Position(tp));

        // Seeking back reads the same range again: nothing was dropped, the application chose to move on.
        consumer.Seek(tp, 12);
        var again = await Assert.ThrowsAsync<RecordBatchDecodeException>(async () => await consumer.ConsumeAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(12, again.FirstOffset);
        Assert.Equal(14, again.LastOffset);
        Assert.Equal(15, (await consumer.ConsumeAsync(TimeSpan.FromSeconds(20)))!.Offset);
    }

    [Fact]
    public async Task Other_partitions_of_the_same_fetch_response_are_delivered_around_an_undecodable_batch()
    {
        string topic = await CreateTopicAsync(3);
        await ProduceRawAsync(topic, 0, GoodBatch(0, 50));
        await ProduceRawAsync(topic, 1, BrokenZstd(3));
        await ProduceRawAsync(topic, 1, GoodBatch(0, 7));
        await ProduceRawAsync(topic, 2, GoodBatch(0, 50, CompressionType.Snappy));

        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = broker.BootstrapServers, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)));
        var (records, failures, _) = await DrainAsync(consumer, 107, 1);
        Assert.Equal(50, records.Count(r => r.Partition == 0));
        Assert.Equal(50, records.Count(r => r.Partition == 2));
        Assert.Equal(Enumerable.Range(3, 7), records.Where(r => r.Partition == 1).Select(r => (int)r.Offset));
        Assert.Equal((1, 0L, 2L), (failures[0].Partition, failures[0].FirstOffset, failures[0].LastOffset));
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task A_decompression_bomb_is_refused_with_the_limit_in_the_reason()
    {
        string topic = await CreateTopicAsync(1);
        // 70 MB of zeros in a 2 KB zstd frame: over the 64 MiB decompression limit.
        using var compressor = new ZstdSharp.Compressor(3);
        byte[] bomb = compressor.Wrap(new byte[70 * 1024 * 1024]).ToArray();
        Assert.True(bomb.Length < 16 * 1024);
        await ProduceRawAsync(topic, 0, SealedBatch(CompressionType.Zstd, 1, bomb));
        await ProduceRawAsync(topic, 0, GoodBatch(0, 2));

        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = broker.BootstrapServers, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign([new TopicPartition(topic, 0)]);
        var (records, failures, _) = await DrainAsync(consumer, 2, 1);
        Assert.Equal(RecordBatchError.CorruptCompressedData, failures[0].Error);
        Assert.Contains("limit", failures[0].Reason);
        Assert.Equal([1L, 2L], records.Select(r => r.Offset));
    }

    private static (List<ConsumeResult> Records, List<RecordBatchDecodeException> Failures, long Next) Decode(byte[] bytes, long fetchOffset, long highWatermark = -1)
    {
        var state = new ConsumerPartition(new TopicPartition("t", 0));
        var chunks = new List<FetchedChunk>();
        long next = ConsumerFetcher.Decode(state, 0, bytes, fetchOffset, highWatermark, chunks);
        return ([.. chunks.SelectMany(c => c.Records)], [.. chunks.Where(c => c.Failure is not null).Select(c => c.Failure!)], next);
    }

    private static byte[] At(long baseOffset, byte[] batch)
    {
        batch = (byte[])batch.Clone();
        RecordBatchHeader.SetBaseOffset(batch, baseOffset);
        return batch;
    }

    [Fact]
    public void A_crc_mismatch_covers_the_batch_bounded_by_the_next_batch_and_decoding_goes_on()
    {
        byte[] corrupt = At(5, GoodBatch(0, 5, CompressionType.Gzip));
        corrupt[^1] ^= 0x55;
        // A damaged header may claim more offsets than it has: the next batch bounds the range.
        BinaryPrimitives.WriteInt32BigEndian(corrupt.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset), 1000);
        var (records, failures, next) = Decode([.. At(0, GoodBatch(0, 5)), .. corrupt, .. At(10, GoodBatch(10, 5))], 0);
        Assert.Equal([0, 1, 2, 3, 4, 10, 11, 12, 13, 14], records.Select(r => (int)r.Offset));
        Assert.Equal(RecordBatchError.CrcMismatch, failures.Single().Error);
        Assert.Equal((5L, 9L), (failures[0].FirstOffset, failures[0].LastOffset));
        Assert.Equal(15, next);
    }

    [Fact]
    public void A_crc_mismatch_in_the_last_batch_is_bounded_by_the_high_watermark()
    {
        byte[] corrupt = At(5, GoodBatch(0, 5));
        BinaryPrimitives.WriteInt32BigEndian(corrupt.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset), 1000);
        var (_, failures, next) = Decode(corrupt, 5, highWatermark: 10);
        Assert.Equal((5L, 9L), (failures.Single().FirstOffset, failures[0].LastOffset));
        Assert.Equal(10, next);
    }

    [Fact]
    public void A_fetch_that_starts_inside_an_undecodable_batch_covers_only_the_rest_of_it()
    {
        var (_, failures, next) = Decode(At(20, BrokenZstd(10)), 24);
        Assert.Equal((24L, 29L), (failures.Single().FirstOffset, failures[0].LastOffset));
        Assert.Equal(30, next);
    }

    [Fact]
    public void An_unknown_codec_is_an_unsupported_compression_failure()
    {
        byte[] batch = At(0, GoodBatch(0, 3));
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset), 6);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset), RecordBatchHeader.ComputeCrc(batch));
        var (records, failures, next) = Decode([.. batch, .. At(3, GoodBatch(3, 2))], 0);
        Assert.Equal(RecordBatchError.UnsupportedCompression, failures.Single().Error);
        Assert.Equal((0L, 2L), (failures[0].FirstOffset, failures[0].LastOffset));
        Assert.Equal([3L, 4L], records.Select(r => r.Offset));
        Assert.Equal(5, next);
    }

    [Fact]
    public void A_record_that_does_not_parse_fails_its_whole_batch()
    {
        byte[] batch = At(0, GoodBatch(0, 4));
        batch[^1] = 0x7F; // the last record's header count becomes -64
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset), RecordBatchHeader.ComputeCrc(batch));
        var (records, failures, next) = Decode(batch, 0);
        Assert.Empty(records);
        Assert.Equal((0L, 3L), (failures.Single().FirstOffset, failures[0].LastOffset));
        Assert.Equal(4, next);
    }

    [Fact]
    public void An_old_format_message_set_is_skipped_by_its_size_and_a_header_that_cannot_be_framed_ends_the_response()
    {
        // A magic 1 message (offset 7, size, crc, magic, attributes, timestamp, key -1, value "x").
        byte[] v1 = [0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 23, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, (byte)'x'];
        var (records, failures, next) = Decode([.. v1, .. At(8, GoodBatch(8, 2))], 7);
        Assert.Equal(RecordBatchError.UnsupportedMagic, failures.Single().Error);
        Assert.Equal((7L, 7L), (failures[0].FirstOffset, failures[0].LastOffset));
        Assert.Equal(v1, failures[0].Batch.ToArray());
        Assert.Equal([8L, 9L], records.Select(r => r.Offset));
        Assert.Equal(10, next);

        byte[] shortLength = At(30, GoodBatch(0, 3));
        BinaryPrimitives.WriteInt32BigEndian(shortLength.AsSpan(RecordBatchHeader.BatchLengthOffset), 20);
        (records, failures, next) = Decode([.. At(28, GoodBatch(28, 2)), .. shortLength, .. At(33, GoodBatch(33, 1))], 28);
        Assert.Equal([28L, 29L], records.Select(r => r.Offset));
        Assert.Equal(RecordBatchError.InvalidLength, failures.Single().Error);
        Assert.Equal((30L, 32L), (failures[0].FirstOffset, failures[0].LastOffset));
        Assert.True(failures[0].Batch.IsEmpty);
        Assert.Equal(33, next); // the next fetch starts after the range
    }

    [Fact]
    public void A_partial_batch_at_the_end_is_left_for_the_next_fetch()
    {
        byte[] second = At(5, GoodBatch(5, 5));
        var (records, failures, next) = Decode([.. At(0, GoodBatch(0, 5)), .. second.AsSpan(0, second.Length - 1)], 0);
        Assert.Empty(failures);
        Assert.Equal(5, records.Count);
        Assert.Equal(5, next);
    }

    [Fact]
    public async Task A_broker_that_stays_down_is_reported_at_warning_not_retried_silently()
    {
        await using var own = await RunningBroker.StartAsync();
        string topic = BrokerFixture.UniqueName("down");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = own.BootstrapServers }))
            await admin.CreateTopicAsync(topic, 1);
        var logger = new RecordingLogger();
        await using var consumer = new KafkaConsumer(new ConsumerOptions
        {
            BootstrapServers = own.BootstrapServers,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            RetryBackoffMs = 50,
            ReconnectBackoffMs = 50,
            ReconnectBackoffMaxMs = 100,
        }, logger);
        consumer.Assign([new TopicPartition(topic, 0)]);
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500)));
        await own.StopAsync();
        // A streak of failures is logged at Warning and thrown to the caller's next consume (fetching goes on).
        var deadline = DateTime.UtcNow + Deadline;
        KafkaException? surfaced = null;
        while (surfaced is null && DateTime.UtcNow < deadline)
        {
            try
            {
                Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200)));
            }
            catch (KafkaException ex)
            {
                surfaced = ex;
            }
        }
        Assert.NotNull(surfaced);
        Assert.Contains("times in a row", surfaced.Message, StringComparison.Ordinal);
        Assert.Contains(logger.Warnings, w => w.Contains("times in a row", StringComparison.Ordinal));
    }
}
