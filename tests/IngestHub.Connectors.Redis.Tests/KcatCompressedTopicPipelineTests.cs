using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Protocol.Records;
using IngestHub.Testing;
using IngestHub.Testing.Redis;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>
/// What shippers send, end to end: records produced by kcat (librdkafka) with each codec flow through a connector
/// into a real redis-server, and a batch that cannot be decoded in the middle of a partition is dead-lettered with its
/// offsets (errors.tolerance=all) or fails the connector with the reason (none) instead of stalling it. The sink is
/// used only through the pipeline configuration; Redis is read back through the fixture's admin connection.
/// </summary>
public sealed class KcatCompressedTopicPipelineTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private static JsonObject Definition(string topic, int redisPort, string key, string tolerance) => new()
    {
        ["input"] = new JsonObject { ["topics"] = new JsonArray(topic), ["workers"] = 1, ["start"] = "earliest" },
        ["codec"] = "plain",
        ["filters"] = new JsonArray(
            new JsonObject { ["mutate"] = new JsonObject { ["add_field"] = new JsonObject { ["src"] = "%{[@metadata][kafka][partition]}-%{[@metadata][kafka][offset]}" } } }),
        ["output"] = new JsonObject { ["type"] = "redis", ["port"] = redisPort, ["mode"] = "list", ["key"] = key, ["batch.size"] = 500, ["linger.ms"] = 20 },
        ["errors"] = new JsonObject { ["tolerance"] = tolerance },
    };

    private static async Task CreateTopicAsync(ApplianceHost appliance, string topic)
    {
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap });
        await admin.CreateTopicAsync(topic, 1);
    }

    private static async Task CreateConnectorAsync(ApplianceHost appliance, string name, JsonObject config)
    {
        using var response = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = config });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>One kcat run: each line a record (one producer flush, so the lines travel in one or a few batches).</summary>
    private static async Task KcatProduceAsync(ApplianceHost appliance, string topic, string codec, int from, int count)
    {
        var lines = new StringBuilder();
        for (int i = from; i < from + count; i++)
            lines.Append(CultureInfo.InvariantCulture, $"line {i} GET /api/items/{i % 13} 200 {i % 97}ms\n");
        // One batch per run: librdkafka sends a batch uncompressed when compressing does not make it smaller, which a
        // lone record split off by a short linger on a busy machine is; a long linger keeps the lines together.
        var result = await Kcat.RunAsync(["-P", "-b", appliance.Bootstrap, "-t", topic, "-p", "0", "-z", codec, "-X", "linger.ms=1000"], lines.ToString());
        Assert.True(result.Succeeded, result.Describe());
    }

    /// <summary>The codecs of the batches stored in partition 0 (as the producer sent them): proof kcat compressed.</summary>
    private static HashSet<CompressionType> StoredCodecs(ApplianceHost appliance, string topic)
    {
        string segment = Path.Combine(appliance.DataDir, "data", topic + "-0", "00000000000000000000.log");
        byte[] log;
        using (var stream = new FileStream(segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            log = new byte[stream.Length];
            stream.ReadExactly(log);
        }
        var codecs = new HashSet<CompressionType>();
        var batches = new RecordBatchEnumerator(log);
        while (batches.MoveNext())
            codecs.Add(batches.CurrentHeader.Compression);
        return codecs;
    }

    private static CompressionType CodecOf(string codec) => codec switch
    {
        "gzip" => CompressionType.Gzip,
        "snappy" => CompressionType.Snappy,
        "lz4" => CompressionType.Lz4,
        "zstd" => CompressionType.Zstd,
        _ => CompressionType.None,
    };

    /// <summary>"partition-offset" → message of every event in the Redis list.</summary>
    private static async Task<Dictionary<string, string>> EventsInRedisAsync(RedisServer redis, string key)
    {
        var events = new Dictionary<string, string>();
        foreach (var item in await (await redis.DatabaseAsync()).ListRangeAsync(key))
        {
            var json = JsonNode.Parse(item.ToString())!;
            Assert.True(events.TryAdd(json["src"]!.GetValue<string>(), json["message"]!.GetValue<string>()), "delivered twice: " + item);
        }
        return events;
    }

    private static async Task<long> CountInRedisAsync(RedisServer redis, string key) =>
        await (await redis.DatabaseAsync()).ListLengthAsync(key);

    private static void AssertLines(Dictionary<string, string> events, IEnumerable<int> offsets)
    {
        var expected = offsets.ToList();
        Assert.Equal(expected.Count, events.Count);
        foreach (int i in expected)
            Assert.Equal($"line {i} GET /api/items/{i % 13} 200 {i % 97}ms", events[$"0-{i}"]);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Every_record_kcat_produces_with_each_codec_reaches_redis(string codec)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync();
        string topic = "kcat-" + codec;
        await CreateTopicAsync(appliance, topic);
        await KcatProduceAsync(appliance, topic, codec, 0, 500);
        Assert.Equal([CodecOf(codec)], StoredCodecs(appliance, topic));
        await CreateConnectorAsync(appliance, topic + "-to-redis", Definition(topic, redis.Port, topic, "none"));

        await Poll.UntilAsync(async () => await CountInRedisAsync(redis, topic) >= 500, Deadline, () => $"500 events in redis ({codec})");
        AssertLines(await EventsInRedisAsync(redis, topic), Enumerable.Range(0, 500));
        var status = await appliance.GetJsonAsync($"connectors/{topic}-to-redis/status");
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
        Assert.Equal(0, status["counters"]!["failed"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_hundred_plain_then_a_hundred_zstd_records_in_one_partition_all_reach_redis()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "shipped");
        await KcatProduceAsync(appliance, "shipped", "none", 0, 100);
        await KcatProduceAsync(appliance, "shipped", "zstd", 100, 100);
        Assert.Equal([CompressionType.None, CompressionType.Zstd], StoredCodecs(appliance, "shipped"));
        await CreateConnectorAsync(appliance, "shipped-to-redis", Definition("shipped", redis.Port, "shipped", "all"));

        await Poll.UntilAsync(async () => await CountInRedisAsync(redis, "shipped") >= 200, Deadline, () => "200 events in redis");
        AssertLines(await EventsInRedisAsync(redis, "shipped"), Enumerable.Range(0, 200));
        var status = await appliance.GetJsonAsync("connectors/shipped-to-redis/status");
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
        Assert.Equal(0, status["counters"]!["dead_lettered"]!.GetValue<long>());
        Assert.Equal(200, status["counters"]!["events_out"]!.GetValue<long>());
    }

    /// <summary>kcat writes 40, 20 and 40 records in three runs (three batches: 0–39, 40–59, 60–99); with the appliance
    /// stopped, the middle batch is damaged in the segment file the way <paramref name="damage"/> says.</summary>
    private static async Task ProduceAndDamageMiddleBatchAsync(ApplianceHost appliance, string topic, Action<byte[]> damage)
    {
        await CreateTopicAsync(appliance, topic);
        await KcatProduceAsync(appliance, topic, "zstd", 0, 40);
        await KcatProduceAsync(appliance, topic, "lz4", 40, 20);
        await KcatProduceAsync(appliance, topic, "gzip", 60, 40);
        await appliance.StopAsync();

        string segment = Path.Combine(appliance.DataDir, "data", topic + "-0", "00000000000000000000.log");
        byte[] log = await File.ReadAllBytesAsync(segment);
        int position = 0;
        var bases = new List<(long, CompressionType)>();
        while (position < log.Length && RecordBatchHeader.TryRead(log.AsSpan(position), out var header) == RecordBatchError.None)
        {
            bases.Add((header.BaseOffset, header.Compression));
            if (header.BaseOffset == 40)
            {
                Assert.Equal(59, header.LastOffset);
                byte[] batch = log.AsSpan(position, header.TotalSize).ToArray();
                damage(batch);
                batch.CopyTo(log, position);
            }
            position += header.TotalSize;
        }
        Assert.Equal([(0L, CompressionType.Zstd), (40L, CompressionType.Lz4), (60L, CompressionType.Gzip)], bases);
        await File.WriteAllBytesAsync(segment, log);
        await appliance.StartAsync();
    }

    [Fact]
    public async Task A_batch_with_a_bad_crc_mid_partition_is_dead_lettered_with_its_offsets_and_the_records_around_it_reach_redis()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync();
        byte[]? damaged = null;
        await ProduceAndDamageMiddleBatchAsync(appliance, "torn", batch =>
        {
            batch[^10] ^= 0x40; // a flipped bit inside the compressed records: the CRC-32C no longer matches
            damaged = (byte[])batch.Clone();
        });
        await CreateConnectorAsync(appliance, "torn-to-redis", Definition("torn", redis.Port, "torn", "all"));

        await Poll.UntilAsync(async () => await CountInRedisAsync(redis, "torn") >= 80, Deadline, () => "the 80 good events in redis");
        AssertLines(await EventsInRedisAsync(redis, "torn"), [.. Enumerable.Range(0, 40), .. Enumerable.Range(60, 40)]);

        // One dead letter for the batch: its bytes as stored, and the range it covers in the headers.
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = appliance.Bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartition("torn-to-redis.dlq", p)));
        ConsumeResult? letter = null;
        await Poll.UntilAsync(async () => (letter ??= await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500))) is not null, Deadline, () => "a dead letter");
        string Header(string key) => Encoding.UTF8.GetString(letter!.Headers.Single(h => h.Key == key).Value!);
        Assert.Equal("batch", Header("ingesthub.errors.stage"));
        Assert.Equal("CrcMismatch", Header("ingesthub.errors.error.type"));
        Assert.Equal("torn", Header("ingesthub.errors.topic"));
        Assert.Equal("0", Header("ingesthub.errors.partition"));
        Assert.Equal("40", Header("ingesthub.errors.offset"));
        Assert.Equal("59", Header("ingesthub.errors.offset.last"));
        Assert.Equal("record-batch", Header("ingesthub.errors.payload"));
        Assert.Contains("CRC-32C", Header("ingesthub.errors.exception.message"));
        Assert.Null(letter!.Key);
        Assert.Equal(damaged, letter.Value);
        Assert.Equal(40, BinaryPrimitives.ReadInt64BigEndian(letter.Value));

        var status = await appliance.GetJsonAsync("connectors/torn-to-redis/status");
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
        Assert.Equal(20, status["counters"]!["dead_lettered"]!.GetValue<long>());
        Assert.Equal(1, status["counters"]!["undecodable_batches"]!.GetValue<long>());
        var recent = status["recent_dead_letters"]![0]!;
        Assert.Equal((40L, 59L), (recent["offset"]!.GetValue<long>(), recent["last_offset"]!.GetValue<long>()));
        // Committed past the range: the group's next offset is the end of the partition.
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap });
        await Poll.UntilAsync(async () => (await admin.ListGroupOffsetsAsync("torn-to-redis")).Values.SingleOrDefault() == 100, Deadline,
            () => "offset 100 committed");
    }

    [Fact]
    public async Task With_errors_tolerance_none_a_batch_with_an_unknown_codec_fails_the_connector_naming_its_offsets()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync();
        await ProduceAndDamageMiddleBatchAsync(appliance, "strange", batch =>
        {
            // Codec 6 does not exist; the CRC is made valid again, so only the consumer's decoding can refuse it.
            short attributes = BinaryPrimitives.ReadInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset));
            BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset), (short)((attributes & ~RecordBatchHeader.CompressionMask) | 6));
            BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset), RecordBatchHeader.ComputeCrc(batch));
        });
        await CreateConnectorAsync(appliance, "strange-to-redis", Definition("strange", redis.Port, "strange", "none"));

        JsonObject? status = null;
        await Poll.UntilAsync(async () => (status = await appliance.GetJsonAsync("connectors/strange-to-redis/status"))["connector"]!["state"]!.GetValue<string>() == "FAILED",
            Deadline, () => "connector fails");
        string trace = status!["connector"]!["trace"]!.GetValue<string>();
        Assert.Contains("strange-0@40..59", trace, StringComparison.Ordinal);
        Assert.Contains("UnsupportedCompression", trace, StringComparison.Ordinal);
        Assert.Contains("errors.tolerance=none", trace, StringComparison.Ordinal);
        Assert.Equal(1, status["counters"]!["undecodable_batches"]!.GetValue<long>());

        // Nothing at or past the bad batch was delivered or committed.
        var delivered = await EventsInRedisAsync(redis, "strange");
        Assert.All(delivered.Keys, src => Assert.True(int.Parse(src[2..], CultureInfo.InvariantCulture) < 40, src));
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap });
        var committed = await admin.ListGroupOffsetsAsync("strange-to-redis");
        Assert.True(committed.Values.All(o => o <= 40), string.Join(",", committed));
    }
}
