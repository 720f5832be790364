using System.Globalization;
using System.Text;
using IngestHub.Client;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Compressed batches cross between IngestHub.Client and kcat (librdkafka 2.0.2) in both directions for every codec,
/// the log holding each batch with the codec its producer chose; and librdkafka's consistent_random placement is
/// the client's.
/// </summary>
public sealed class CompressionInteropTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int Count = 3000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    /// <summary>Log-like values that every codec shrinks.</summary>
    private static string Value(int i) => $"2024-05-01T10:00:{i % 60:00}.{i % 1000:000}Z INFO host-{i % 7} request {i} served in {i % 97} ms";

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = fixture.Bootstrap });
        await admin.CreateTopicAsync(topic, partitions);
    }

    private HashSet<CompressionType> StoredCodecs(string topic) =>
        [.. StoredBatches.Headers(fixture.Server.DataDir, topic).Select(h => h.Compression)];

    [Theory]
    [InlineData(CompressionType.Lz4, "lz4")]
    [InlineData(CompressionType.Zstd, "zstd")]
    [InlineData(CompressionType.Gzip, "gzip")]
    [InlineData(CompressionType.Snappy, "snappy")]
    public async Task Batches_the_client_compresses_are_read_by_kcat(CompressionType compression, string codec)
    {
        string topic = Unique("c2k-" + codec);
        await CreateTopicAsync(topic, 2);
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = fixture.Bootstrap, CompressionType = compression, LingerMs = 20 }))
        {
            var sends = new List<Task<DeliveryResult>>(Count);
            for (int i = 0; i < Count; i++)
                sends.Add(producer.ProduceAsync(topic, Encoding.UTF8.GetBytes("key" + i), Encoding.UTF8.GetBytes(Value(i)),
                    [new Header("n", Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)))]));
            await Task.WhenAll(sends);
        }
        Assert.Equal([compression], StoredCodecs(topic));

        var read = await Kcat.ConsumeAllAsync(fixture.Bootstrap, topic, ConsumedRecord.KcatFormat, cancellationToken: Ct);
        Assert.True(read.Succeeded, read.Describe());
        var records = ConsumedRecord.ParseAll(read.StdOut);
        Assert.Equal(Count, records.Count);
        foreach (var record in records)
        {
            int i = int.Parse(record.Key["key".Length..], CultureInfo.InvariantCulture);
            Assert.Equal(Value(i), record.Value);
            Assert.Equal($"n={i}", record.Headers);
        }
        Assert.Equal(Count, records.Select(r => r.Key).Distinct().Count());
    }

    [Theory]
    [InlineData("lz4", CompressionType.Lz4)]
    [InlineData("zstd", CompressionType.Zstd)]
    [InlineData("gzip", CompressionType.Gzip)]
    [InlineData("snappy", CompressionType.Snappy)]
    public async Task Batches_kcat_compresses_are_read_by_the_client(string codec, CompressionType compression)
    {
        string topic = Unique("k2c-" + codec);
        await CreateTopicAsync(topic, 2);
        var input = new StringBuilder();
        for (int i = 0; i < Count; i++)
            input.Append("key").Append(i).Append('|').Append(Value(i)).Append('\n');
        var produce = await Kcat.RunAsync(["-P", "-b", fixture.Bootstrap, "-t", topic, "-K|", "-z", codec, "-H", "src=kcat"], input.ToString(), cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe());
        // librdkafka sends a batch uncompressed when compressing it does not make it smaller (a batch of a record or
        // two that linger cut off, with snappy for instance), so stored batches are the codec or none, the codec at least once.
        var stored = StoredCodecs(topic);
        Assert.Contains(compression, stored);
        Assert.Subset(new HashSet<CompressionType> { compression, CompressionType.None }, stored);

        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = fixture.Bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign([new TopicPartition(topic, 0), new TopicPartition(topic, 1)]);
        var seen = new Dictionary<string, ConsumeResult>();
        var deadline = DateTime.UtcNow + Deadline;
        while (seen.Count < Count && DateTime.UtcNow < deadline)
        {
            if (await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500), Ct) is { } record)
                Assert.True(seen.TryAdd(Encoding.UTF8.GetString(record.Key!), record), "duplicate record");
        }
        Assert.Equal(Count, seen.Count);
        foreach (var (key, record) in seen)
        {
            Assert.Equal(Value(int.Parse(key["key".Length..], CultureInfo.InvariantCulture)), Encoding.UTF8.GetString(record.Value!));
            Assert.Equal("src=kcat", string.Join(",", record.Headers.Select(h => h.Key + "=" + Encoding.UTF8.GetString(h.Value!))));
        }
    }

    [Fact]
    public async Task Keys_kcat_places_with_consistent_random_land_where_the_client_places_them()
    {
        string topic = Unique("crc");
        await CreateTopicAsync(topic, 7);
        var input = string.Join('\n', Enumerable.Range(0, 300).Select(i => $"user-{i * 7919}:v{i}")) + "\n";
        var produce = await Kcat.RunAsync(["-P", "-b", fixture.Bootstrap, "-t", topic, "-K:", "-X", "partitioner=consistent_random"], input, cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe());
        var read = await Kcat.ConsumeAllAsync(fixture.Bootstrap, topic, @"%k %p\n", cancellationToken: Ct);
        Assert.True(read.Succeeded, read.Describe());
        var placed = read.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
        Assert.Equal(300, placed.Count);
        Assert.True(placed.Select(p => p[1]).Distinct().Count() > 3, "keys spread over the partitions");
        foreach (var p in placed)
            Assert.Equal(int.Parse(p[1], CultureInfo.InvariantCulture), Crc32Partitioner.Partition(Encoding.UTF8.GetBytes(p[0]), 7));
    }
}
