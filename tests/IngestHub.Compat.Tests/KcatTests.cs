using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>kcat (librdkafka 2.0.2) against one out-of-process server: metadata, produce/consume round trips, offsets for times.</summary>
public sealed partial class KcatTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int RecordCount = 10_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metadata_lists_the_broker_and_an_auto_created_topic_with_three_partitions()
    {
        const string topic = "meta-auto";
        var produce = await Kcat.RunAsync(["-P", "-b", fixture.Bootstrap, "-t", topic, "-m", "10"], "one\n", cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe() + fixture.Server.Output);

        var list = await Kcat.RunAsync(["-L", "-b", fixture.Bootstrap, "-m", "10"], cancellationToken: Ct);
        Assert.True(list.Succeeded, list.Describe());

        var broker = BrokerLine().Match(list.StdOut);
        Assert.True(broker.Success, list.Describe());
        Assert.Equal(fixture.Bootstrap, broker.Groups["hostport"].Value);
        Assert.Contains($"topic \"{topic}\" with 3 partitions:", list.StdOut, StringComparison.Ordinal);

        var partitions = PartitionLine().Matches(TopicSection(list.StdOut, topic));
        Assert.Equal([0, 1, 2], partitions.Select(m => int.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture)).Order());
        Assert.All(partitions, m => Assert.Equal(broker.Groups["id"].Value, m.Groups["leader"].Value));

        var single = await Kcat.RunAsync(["-L", "-b", fixture.Bootstrap, "-t", topic, "-m", "10"], cancellationToken: Ct);
        Assert.True(single.Succeeded, single.Describe());
        Assert.Contains($"topic \"{topic}\" with 3 partitions:", single.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("meta-never-created", single.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none", false)]
    [InlineData("gzip", false)]
    [InlineData("snappy", false)]
    [InlineData("lz4", false)]
    [InlineData("zstd", false)]
    [InlineData("none", true)]
    public async Task Keyed_records_with_headers_round_trip_in_partition_order(string codec, bool idempotent)
    {
        string topic = $"roundtrip-{codec}{(idempotent ? "-idempotent" : "")}";
        var (input, expected) = GenerateRecords(RecordCount, topic);

        var produce = await Kcat.RunAsync(
            ["-P", "-b", fixture.Bootstrap, "-t", topic, "-K:", "-H", "h1=v1", "-H", "trace=abc-123", "-m", "10",
             "-X", $"compression.codec={codec}", "-X", $"enable.idempotence={(idempotent ? "true" : "false")}",
             "-X", "message.timeout.ms=30000"],
            input, cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe() + fixture.Server.Output);

        var consume = await Kcat.ConsumeAllAsync(fixture.Bootstrap, topic, ConsumedRecord.KcatFormat, cancellationToken: Ct);
        Assert.True(consume.Succeeded, consume.Describe());
        var records = ConsumedRecord.ParseAll(consume.StdOut);

        Assert.Equal(RecordCount, records.Count);
        var seen = new HashSet<string>();
        foreach (var record in records)
        {
            Assert.True(expected.TryGetValue(record.Key, out var produced), $"unexpected key {record.Key}");
            Assert.Equal(produced.Value, record.Value);
            Assert.Equal("h1=v1,trace=abc-123", record.Headers);
            Assert.True(seen.Add(record.Key), $"duplicate record {record.Key}");
        }

        // Per partition: offsets 0..n-1 without gaps, and records in the order they were produced.
        foreach (var partition in records.GroupBy(r => r.Partition))
        {
            var ordered = partition.OrderBy(r => r.Offset).ToList();
            for (int i = 0; i < ordered.Count; i++)
            {
                Assert.Equal(i, ordered[i].Offset);
                if (i > 0)
                    Assert.True(expected[ordered[i - 1].Key].Index < expected[ordered[i].Key].Index,
                        $"partition {partition.Key}: {ordered[i - 1].Key} at offset {i - 1} precedes {ordered[i].Key} out of produce order");
            }
        }
        Assert.True(records.Select(r => r.Partition).Distinct().Count() > 1, "keys should spread over the topic's partitions");
    }

    [Fact]
    public async Task Query_by_timestamp_returns_the_first_offset_at_or_after_it()
    {
        const string topic = "times";
        var first = await ProduceToPartitionZeroAsync(topic, "early", 100);
        long boundary = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1;
        // The second batch must carry later create times than the boundary.
        await Polling.Eventually(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > boundary, TimeSpan.FromSeconds(5));
        var second = await ProduceToPartitionZeroAsync(topic, "late", 100);
        Assert.True(first.Succeeded && second.Succeeded, first.Describe() + second.Describe());

        Assert.Equal(100, await QueryAsync(topic, boundary));
        Assert.Equal(0, await QueryAsync(topic, 0));
        Assert.Equal(-1, await QueryAsync(topic, DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds()));
        Assert.Equal(200, await QueryAsync(topic, -1)); // latest
        Assert.Equal(0, await QueryAsync(topic, -2)); // earliest
    }

    private async Task<ProcessResult> ProduceToPartitionZeroAsync(string topic, string prefix, int count)
    {
        var lines = new StringBuilder();
        for (int i = 0; i < count; i++)
            lines.Append(CultureInfo.InvariantCulture, $"{prefix}-{i}\n");
        return await Kcat.RunAsync(["-P", "-b", fixture.Bootstrap, "-t", topic, "-p", "0", "-m", "10"], lines.ToString(),
            cancellationToken: Ct);
    }

    private async Task<long> QueryAsync(string topic, long timestamp)
    {
        var query = await Kcat.RunAsync(["-Q", "-b", fixture.Bootstrap, "-t", $"{topic}:0:{timestamp}", "-m", "10"], cancellationToken: Ct);
        Assert.True(query.Succeeded, query.Describe());
        var match = QueryLine().Match(query.StdOut);
        Assert.True(match.Success, query.Describe());
        return long.Parse(match.Groups["offset"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Unique keys and values, one "key:value" line each; values carry the topic so cases cannot mix.</summary>
    private static (string Input, Dictionary<string, (int Index, string Value)> Expected) GenerateRecords(int count, string topic)
    {
        var random = new Random(count);
        var input = new StringBuilder(count * 64);
        var expected = new Dictionary<string, (int, string)>(count);
        for (int i = 0; i < count; i++)
        {
            string key = $"key-{i:D6}";
            string value = $"{topic}-value-{i}-{random.NextInt64():x16}-{new string((char)('a' + i % 26), i % 40)}";
            input.Append(key).Append(':').Append(value).Append('\n');
            expected[key] = (i, value);
        }
        return (input.ToString(), expected);
    }

    private static string TopicSection(string metadata, string topic)
    {
        int start = metadata.IndexOf($"topic \"{topic}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, metadata);
        int next = metadata.IndexOf("  topic \"", start + 1, StringComparison.Ordinal);
        return next < 0 ? metadata[start..] : metadata[start..next];
    }

    [GeneratedRegex(@"broker (?<id>-?\d+) at (?<hostport>\S+:\d+)")]
    private static partial Regex BrokerLine();

    [GeneratedRegex(@"partition (?<id>\d+), leader (?<leader>-?\d+), replicas: [\d,]+, isrs: [\d,]+\n")]
    private static partial Regex PartitionLine();

    [GeneratedRegex(@"\[0\] offset (?<offset>-?\d+)")]
    private static partial Regex QueryLine();
}
