using System.Text.Json;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>kafkajs 2.2.4 (node scripts in node/) against one out-of-process server.</summary>
public sealed class KafkajsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int RecordCount = 100;
    private static readonly TimeSpan s_scriptTimeout = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_creates_topics_and_partitions_and_idempotent_producer_records_are_counted_by_offsets()
    {
        const string topic = "kafkajs-admin";
        var run = await NodeScript.RunAsync("admin-produce.js", [fixture.Bootstrap, topic, RecordCount.ToString()], s_scriptTimeout, Ct);
        Assert.True(run.Succeeded, run.Describe() + fixture.Server.Output);
        using var result = JsonDocument.Parse(LastLine(run.StdOut));
        var root = result.RootElement;

        Assert.True(root.GetProperty("created").GetBoolean(), "createTopics should report the topic as new");
        Assert.False(root.GetProperty("createdAgain").GetBoolean(), "createTopics of an existing topic should report nothing new");
        Assert.True(root.GetProperty("listed").GetBoolean());
        Assert.Equal(2, root.GetProperty("partitionsBefore").GetInt32());

        var partitions = root.GetProperty("partitionsAfter").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], partitions.Select(p => p.GetProperty("partition").GetInt32()).Order());
        Assert.All(partitions, p => Assert.Equal(0, p.GetProperty("error").GetInt32()));
        Assert.All(partitions, p => Assert.True(p.GetProperty("leader").GetInt32() >= 0));

        var acks = root.GetProperty("acks").EnumerateArray().ToList();
        Assert.NotEmpty(acks);
        Assert.All(acks, a => Assert.Equal(0, a.GetProperty("errorCode").GetInt32()));

        var offsets = root.GetProperty("offsets").EnumerateArray().ToList();
        Assert.Equal(4, offsets.Count);
        Assert.All(offsets, o => Assert.Equal(0, o.GetProperty("low").GetInt64()));
        Assert.All(offsets, o => Assert.Equal(o.GetProperty("high").GetInt64(), o.GetProperty("offset").GetInt64()));
        Assert.Equal(RecordCount, offsets.Sum(o => o.GetProperty("high").GetInt64()));

        // Each acknowledged base offset lies inside its partition's log.
        foreach (var ack in acks)
        {
            int partition = ack.GetProperty("partition").GetInt32();
            long high = offsets.Single(o => o.GetProperty("partition").GetInt32() == partition).GetProperty("high").GetInt64();
            Assert.InRange(ack.GetProperty("baseOffset").GetInt64(), 0, high - 1);
        }

        // No record is an hour in the future: the broker answers -1, which kafkajs may replace by the high watermark.
        foreach (var o in root.GetProperty("offsetsByTimestampFuture").EnumerateArray())
        {
            int partition = o.GetProperty("partition").GetInt32();
            long high = offsets.Single(x => x.GetProperty("partition").GetInt32() == partition).GetProperty("high").GetInt64();
            Assert.Contains(o.GetProperty("offset").GetInt64(), new[] { -1L, high });
        }
    }

    [Fact]
    public async Task Admin_describes_the_cluster_alters_configs_deletes_records_and_groups()
    {
        const string topic = "kafkajs-admin-ops";
        const string group = "kafkajs-admin-ops-group";
        var run = await NodeScript.RunAsync("admin-ops.js", [fixture.Bootstrap, topic, group], s_scriptTimeout, Ct);
        Assert.True(run.Succeeded, run.Describe() + fixture.Server.Output);
        using var result = JsonDocument.Parse(LastLine(run.StdOut));
        var root = result.RootElement;

        var cluster = root.GetProperty("cluster");
        Assert.False(string.IsNullOrEmpty(cluster.GetProperty("clusterId").GetString()));
        Assert.Equal(1, cluster.GetProperty("controller").GetInt32());
        Assert.Equal([1], cluster.GetProperty("brokers").EnumerateArray().Select(b => b.GetInt32()));

        var configs = root.GetProperty("configs");
        Assert.Equal("3600000", configs.GetProperty("retention.ms").GetProperty("value").GetString());
        Assert.False(configs.GetProperty("retention.ms").GetProperty("isDefault").GetBoolean());
        Assert.Equal("compact,delete", configs.GetProperty("cleanup.policy").GetProperty("value").GetString());
        Assert.True(configs.GetProperty("segment.bytes").GetProperty("isDefault").GetBoolean());
        Assert.Equal("INVALID_CONFIG", root.GetProperty("unknownConfigError").GetString());

        var offsets = Assert.Single(root.GetProperty("offsetsAfterDelete").EnumerateArray());
        Assert.Equal((8L, 20L), (offsets.GetProperty("low").GetInt64(), offsets.GetProperty("high").GetInt64()));

        Assert.Equal([15L], root.GetProperty("committed").EnumerateArray().Select(o => o.GetInt64()));
        Assert.Equal([group], root.GetProperty("groupsBefore").EnumerateArray().Select(g => g.GetString()));
        var deleted = Assert.Single(root.GetProperty("deleted").EnumerateArray());
        Assert.Equal((group, 0), (deleted.GetProperty("groupId").GetString(), deleted.GetProperty("errorCode").GetInt32()));
        Assert.Equal([-1L], root.GetProperty("committedAfter").EnumerateArray().Select(o => o.GetInt64()));
        Assert.Equal(["GROUP_ID_NOT_FOUND"], root.GetProperty("deleteAgainError").EnumerateArray().Select(g => g.GetString()));
    }

    [Fact]
    public async Task Group_consumer_reads_kcat_records_from_the_beginning()
    {
        const string topic = "kafkajs-consume";
        var lines = string.Concat(Enumerable.Range(0, RecordCount).Select(i => $"k{i}:v{i}\n"));
        var produce = await Kcat.RunAsync(["-P", "-b", fixture.Bootstrap, "-t", topic, "-K:", "-H", "origin=kcat", "-m", "10"], lines,
            cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe() + fixture.Server.Output);

        var run = await NodeScript.RunAsync("consume.js", [fixture.Bootstrap, topic, "compat-group", RecordCount.ToString()],
            s_scriptTimeout, Ct);
        Assert.True(run.Succeeded, run.Describe() + fixture.Server.Output);
        using var result = JsonDocument.Parse(LastLine(run.StdOut));
        var received = result.RootElement.GetProperty("received").EnumerateArray().ToList();

        Assert.Equal(RecordCount, received.Count);
        Assert.Equal(Enumerable.Range(0, RecordCount).Select(i => $"k{i}").Order(),
            received.Select(r => r.GetProperty("key").GetString()!).Order());
        Assert.All(received, r => Assert.Equal("v" + r.GetProperty("key").GetString()![1..], r.GetProperty("value").GetString()));
        Assert.All(received, r => Assert.Equal("kcat", r.GetProperty("headers").GetProperty("origin").GetString()));
        foreach (var partition in received.GroupBy(r => r.GetProperty("partition").GetInt32()))
        {
            var offsets = partition.Select(r => r.GetProperty("offset").GetInt64()).ToList();
            Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        }
    }

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
        ?? throw new InvalidDataException("script printed nothing");
}
