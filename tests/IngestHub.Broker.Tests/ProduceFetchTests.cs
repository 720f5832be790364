using System.Diagnostics;
using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Records;
using IngestHub.Storage;
using Xunit;

namespace IngestHub.Broker.Tests;

public sealed class ProduceFetchTests
{
    private static ProduceRequest Produce(string topic, int partition, byte[] batch, short acks = 1) => new()
    {
        Acks = acks,
        TimeoutMs = 5000,
        Topics = [new ProduceRequest.Topic { Name = topic, Partitions = [new ProduceRequest.Partition { PartitionIndex = partition, Records = new MemoryRecordsPayload(batch) }] }],
    };

    private static FetchRequest Fetch(string topic, int partition, long offset, int maxWaitMs = 0, int minBytes = 0) => new()
    {
        MaxWaitMs = maxWaitMs,
        MinBytes = minBytes,
        MaxBytes = 1024 * 1024,
        Topics = [new FetchRequest.Topic { Name = topic, Partitions = [new FetchRequest.Partition { PartitionIndex = partition, FetchOffset = offset, PartitionMaxBytes = 1024 * 1024 }] }],
    };

    private static List<DecodedRecord> Records(FetchResponse response)
    {
        var payload = Assert.IsType<MemoryRecordsPayload>(response.Topics[0].Partitions[0].Records);
        return RecordBatchDecoder.DecodeAll(payload.Bytes.Span);
    }

    /// <summary>A broker whose partition logs use <paramref name="engine"/> ("disk" or "memory").</summary>
    private static Task<BrokerFixture> StartAsync(string engine) => BrokerFixture.StartAsync(o => o.LogEngine = ILogEngine.FromName(engine));

    [Fact]
    public async Task The_memory_engine_keeps_partition_logs_out_of_the_data_dir_and_forgets_them_on_restart()
    {
        await using var fixture = await StartAsync("memory");
        using (var client = await fixture.ConnectAsync())
        {
            var produced = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("fleeting", 0, Batches.Values("a", "b")), 7);
            Assert.Equal(ErrorCode.None, produced.Topics[0].Partitions[0].ErrorCode);
            Assert.IsType<MemoryPartitionLog>(fixture.Broker.Topics.Partition("fleeting", 0)!.Log);
        }
        Assert.False(Directory.Exists(Path.Combine(fixture.DataDir, "fleeting-0")));
        await fixture.RestartAsync();
        using (var client = await fixture.ConnectAsync())
        {
            var fetched = await client.SendAsync<FetchRequest, FetchResponse>(Fetch("fleeting", 0, 0), 11);
            var partition = fetched.Topics[0].Partitions[0];
            // The topic is still known (its metadata lives in the data dir); its records are not.
            Assert.Equal((ErrorCode.None, 0L), (partition.ErrorCode, partition.HighWatermark));
        }
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("memory")]
    public async Task Produced_batches_get_consecutive_offsets_and_fetch_returns_them(string engine)
    {
        await using var fixture = await StartAsync(engine);
        using var client = await fixture.ConnectAsync();
        var first = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("orders", 0, Batches.Values("a", "b", "c")), 7);
        var second = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("orders", 0, Batches.Values("d")), 7);
        Assert.Equal(ErrorCode.None, first.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(0, first.Topics[0].Partitions[0].BaseOffset);
        Assert.Equal(3, second.Topics[0].Partitions[0].BaseOffset);

        var fetched = await client.SendAsync<FetchRequest, FetchResponse>(Fetch("orders", 0, 1), 11);
        var partition = fetched.Topics[0].Partitions[0];
        Assert.Equal(4, partition.HighWatermark);
        Assert.Equal(4, partition.LastStableOffset);
        var records = Records(fetched);
        // Fetching from offset 1 starts inside the first batch: the whole batch comes back.
        Assert.Equal([0L, 1, 2, 3], records.Select(r => r.Offset));
        Assert.Equal(["a", "b", "c", "d"], records.Select(r => System.Text.Encoding.UTF8.GetString(r.Value!)));
    }

    [Fact]
    public async Task Acks_zero_produces_without_a_response()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        await client.SendOnlyAsync(Produce("quiet", 0, Batches.Values("x"), acks: 0), 7);
        // The next response on the connection belongs to the next request.
        var metadata = await client.SendAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "quiet" }] }, 1);
        Assert.Equal("quiet", metadata.Topics[0].Name);
        await TestWait.UntilAsync(() => fixture.Broker.Topics.Partition("quiet", 0)!.Log.HighWatermark == 1, TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("memory")]
    public async Task Corrupt_batch_is_rejected_and_nothing_is_stored(string engine)
    {
        await using var fixture = await StartAsync(engine);
        using var client = await fixture.ConnectAsync();
        var batch = Batches.Values("good", "data");
        batch[^1] ^= 0xFF;
        var response = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("corrupt", 0, batch), 7);
        Assert.Equal(ErrorCode.CorruptMessage, response.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(0, fixture.Broker.Topics.Partition("corrupt", 0)!.Log.LogEndOffset);
    }

    [Fact]
    public async Task Produce_v0_to_v2_store_record_batches_and_refuse_the_old_message_formats()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        // A magic 1 message set entry: offset, size, crc, magic 1, attributes, timestamp, null key, value "x".
        byte[] v1 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, (byte)'x'];
        for (short version = 0; version <= 2; version++)
        {
            var old = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("old-formats", 0, (byte[])v1.Clone()), version);
            Assert.Equal(ErrorCode.UnsupportedForMessageFormat, old.Topics[0].Partitions[0].ErrorCode);
            var batch = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("old-formats", 0, Batches.Values("v" + version)), version);
            Assert.Equal(ErrorCode.None, batch.Topics[0].Partitions[0].ErrorCode);
            Assert.Equal(version, batch.Topics[0].Partitions[0].BaseOffset);
        }
        Assert.Equal(3, fixture.Broker.Topics.Partition("old-formats", 0)!.Log.LogEndOffset);
    }

    [Fact]
    public async Task Unknown_partition_and_disabled_auto_create_are_reported_per_partition()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o.AutoCreateTopicsEnable = false);
        using var client = await fixture.ConnectAsync();
        var response = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("missing", 0, Batches.Values("x")), 7);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, response.Topics[0].Partitions[0].ErrorCode);
        var fetched = await client.SendAsync<FetchRequest, FetchResponse>(Fetch("missing", 0, 0), 11);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, fetched.Topics[0].Partitions[0].ErrorCode);
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("memory")]
    public async Task Idempotent_retry_of_a_recent_batch_returns_the_original_offset(string engine)
    {
        await using var fixture = await StartAsync(engine);
        using var client = await fixture.ConnectAsync();
        var init = await client.SendAsync<InitProducerIdRequest, InitProducerIdResponse>(new InitProducerIdRequest { TransactionTimeoutMs = 60000 }, 1);
        Assert.Equal(ErrorCode.None, init.ErrorCode);
        long pid = init.ProducerId;
        var b0 = Batches.Idempotent(pid, 0, 0, "a", "b");
        var b1 = Batches.Idempotent(pid, 0, 2, "c");
        var r0 = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("idem", 0, (byte[])b0.Clone(), -1), 7);
        var r1 = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("idem", 0, (byte[])b1.Clone(), -1), 7);
        var retry = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("idem", 0, (byte[])b0.Clone(), -1), 7);
        Assert.Equal(0, r0.Topics[0].Partitions[0].BaseOffset);
        Assert.Equal(2, r1.Topics[0].Partitions[0].BaseOffset);
        Assert.Equal(ErrorCode.None, retry.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(0, retry.Topics[0].Partitions[0].BaseOffset);
        Assert.Equal(3, fixture.Broker.Topics.Partition("idem", 0)!.Log.LogEndOffset);

        var gap = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("idem", 0, Batches.Idempotent(pid, 0, 7, "z"), -1), 7);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, gap.Topics[0].Partitions[0].ErrorCode);
        var fenced = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("idem", 0, Batches.Idempotent(pid, -1 + 0, 3, "z"), -1), 7);
        Assert.NotEqual(ErrorCode.None, fenced.Topics[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public async Task Producer_state_survives_a_restart()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        long pid;
        var b0 = Array.Empty<byte>();
        using (var client = await fixture.ConnectAsync())
        {
            pid = (await client.SendAsync<InitProducerIdRequest, InitProducerIdResponse>(new InitProducerIdRequest(), 0)).ProducerId;
            b0 = Batches.Idempotent(pid, 0, 0, "a", "b");
            await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("restart", 0, (byte[])b0.Clone(), -1), 7);
        }
        await fixture.RestartAsync();
        using (var client = await fixture.ConnectAsync())
        {
            var retry = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("restart", 0, (byte[])b0.Clone(), -1), 7);
            Assert.Equal(ErrorCode.None, retry.Topics[0].Partitions[0].ErrorCode);
            Assert.Equal(0, retry.Topics[0].Partitions[0].BaseOffset);
            Assert.Equal(2, fixture.Broker.Topics.Partition("restart", 0)!.Log.LogEndOffset);
            var next = await client.SendAsync<InitProducerIdRequest, InitProducerIdResponse>(new InitProducerIdRequest(), 0);
            Assert.NotEqual(pid, next.ProducerId);
        }
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("memory")]
    public async Task Long_poll_fetch_wakes_when_data_arrives(string engine)
    {
        await using var fixture = await StartAsync(engine);
        using var setup = await fixture.ConnectAsync();
        await setup.SendAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "wake" }] }, 1);
        using var consumer = await fixture.ConnectAsync();
        var clock = Stopwatch.StartNew();
        var pending = consumer.SendAsync<FetchRequest, FetchResponse>(Fetch("wake", 0, 0, maxWaitMs: 60_000, minBytes: 1), 11, TimeSpan.FromSeconds(90));
        await Task.Delay(200);
        Assert.False(pending.IsCompleted, "fetch answered before any data existed");
        await setup.SendAsync<ProduceRequest, ProduceResponse>(Produce("wake", 0, Batches.Values("hello")), 7);
        var response = await pending;
        clock.Stop();
        Assert.Single(Records(response));
        // Far below max_wait_ms: the append woke the fetch.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"fetch took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("memory")]
    public async Task Fetch_outside_the_log_is_offset_out_of_range(string engine)
    {
        await using var fixture = await StartAsync(engine);
        using var client = await fixture.ConnectAsync();
        await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("range", 0, Batches.Values("a")), 7);
        var response = await client.SendAsync<FetchRequest, FetchResponse>(Fetch("range", 0, 5), 11);
        Assert.Equal(ErrorCode.OffsetOutOfRange, response.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(1, response.Topics[0].Partitions[0].HighWatermark);
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("memory")]
    public async Task ListOffsets_answers_earliest_latest_and_by_timestamp(string engine)
    {
        await using var fixture = await StartAsync(engine);
        using var client = await fixture.ConnectAsync();
        await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("times", 0, Batches.Values("a", "b")), 7);
        long between = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5;
        await TestWait.UntilAsync(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > between + 5, TimeSpan.FromSeconds(5));
        await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("times", 0, Batches.Values("c")), 7);

        ListOffsetsRequest Query(long ts) => new()
        {
            Topics = [new ListOffsetsRequest.Topic { Name = "times", Partitions = [new ListOffsetsRequest.Partition { PartitionIndex = 0, Timestamp = ts }] }],
        };
        long Offset(ListOffsetsResponse r) => r.Topics[0].Partitions[0].Offset;
        Assert.Equal(0, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(-2), 1)));
        Assert.Equal(3, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(-1), 1)));
        Assert.Equal(2, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(between), 1)));
        Assert.Equal(-1, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(between + 3_600_000), 1)));
        var v0 = await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(-1), 0);
        Assert.Equal([3L], v0.Topics[0].Partitions[0].OldStyleOffsets);
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("memory")]
    public async Task ListOffsets_by_timestamp_answers_no_offset_at_or_above_a_replicated_high_watermark(string engine)
    {
        await using var fixture = await StartAsync(engine);
        using var client = await fixture.ConnectAsync();
        await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("hw-times", 0, Batches.Values("a", "b")), 7);
        long between = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5;
        await TestWait.UntilAsync(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > between + 5, TimeSpan.FromSeconds(5));
        await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("hw-times", 0, Batches.Values("c")), 7);

        ListOffsetsRequest Query(long ts) => new()
        {
            Topics = [new ListOffsetsRequest.Topic { Name = "hw-times", Partitions = [new ListOffsetsRequest.Partition { PartitionIndex = 0, Timestamp = ts }] }],
        };
        long Offset(ListOffsetsResponse r) => r.Topics[0].Partitions[0].Offset;
        Assert.Equal(2, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(between), 7)));
        Assert.Equal(2, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(ListOffsetsRequest.MaxTimestamp), 7)));

        // "c" (offset 2) is written but not yet replicated: consumers may not be sent to it.
        Assert.Equal(2, fixture.Broker.Topics.Partition("hw-times", 0)!.Log.SetHighWatermark(2));
        Assert.Equal(2, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(-1), 7)));
        Assert.Equal(-1, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(between), 7)));
        Assert.Equal(-1, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(ListOffsetsRequest.MaxTimestamp), 7)));
        Assert.Equal(0, Offset(await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(Query(0), 7)));
    }
}
