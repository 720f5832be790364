using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace IngestHub.Server.Tests;

/// <summary>The Burrow v3 HTTP API over the same lag monitor: the shapes and words a tool written for Burrow reads.</summary>
public sealed class BurrowApiTests(ApplianceFixture app)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Healthcheck_clusters_and_consumer_list_answer_as_burrow_does()
    {
        using (var health = await app.Http.GetAsync("burrow/admin"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("GOOD", await health.Content.ReadAsStringAsync());
        }
        var clusters = await app.GetJsonAsync("v3/kafka");
        Assert.False((bool)clusters["error"]!);
        Assert.Equal(["local"], clusters["clusters"]!.AsArray().Select(c => (string)c!));
        Assert.Equal("/v3/kafka", (string)clusters["request"]!["url"]!);
        var consumers = await Eventually.MatchAsync(() => app.GetJsonAsync("v3/kafka/local/consumer"),
            c => c["consumers"]!.AsArray().Any(g => (string)g! == app.Group), Deadline, "the group in the consumer list");
        Assert.Equal("consumer list returned", (string)consumers["message"]!);

        using var unknown = await app.Http.GetAsync($"v3/kafka/elsewhere/consumer/{app.Group}/status");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var error = JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!;
        Assert.True((bool)error["error"]!);
        Assert.Equal("cluster or consumer not found", (string)error["message"]!);
    }

    [Fact]
    public async Task Status_lists_the_bad_partitions_and_lag_lists_all_with_their_windows()
    {
        var status = (await Eventually.MatchAsync(() => app.GetJsonAsync($"v3/kafka/local/consumer/{app.Group}/status"),
            s => (string)s["status"]!["status"]! == "ERR", Deadline, "the group ERR"))["status"]!;
        Assert.Equal("local", (string)status["cluster"]!);
        Assert.Equal(app.Group, (string)status["group"]!);
        Assert.Equal(3, (int)status["partition_count"]!);
        Assert.Equal(30, (long)status["totallag"]!);
        // Partitions 0 and 1 are STOP; partition 2 (no lag, one commit) is OK and left out of /status.
        var bad = status["partitions"]!.AsArray();
        Assert.Equal([(0, "STOP"), (1, "STOP")], bad.Select(p => ((int)p!["partition"]!, (string)p["status"]!)));
        var maxlag = status["maxlag"]!;
        Assert.Equal(1, (int)maxlag["partition"]!);
        Assert.Equal(20, (long)maxlag["current_lag"]!);
        // Two of three partitions have a full window of ten commits.
        Assert.Equal(2.0 / 3, (double)status["complete"]!, 3);

        var lag = (await app.GetJsonAsync($"v3/kafka/local/consumer/{app.Group}/lag"))["status"]!;
        var all = lag["partitions"]!.AsArray();
        Assert.Equal(["STOP", "STOP", "OK"], all.Select(p => (string)p!["status"]!));
        for (int p = 0; p < 3; p++)
        {
            var row = all[p]!;
            Assert.Equal(app.Topic, (string)row["topic"]!);
            Assert.Equal(ApplianceFixture.ClientId, (string)row["client_id"]!);
            Assert.Equal(ApplianceFixture.Produced[p] - ApplianceFixture.Committed[p], (long)row["current_lag"]!);
            Assert.Equal(ApplianceFixture.Committed[p], (long)row["end"]!["offset"]!);
            Assert.True((long)row["end"]!["timestamp"]! >= (long)row["start"]!["timestamp"]!);
        }
        // The window of partition 0: commits 21..30, each with the lag seen when it was observed.
        Assert.Equal(ApplianceFixture.Committed[0] - (ApplianceFixture.Commits - 1), (long)all[0]!["start"]!["offset"]!);
        Assert.Equal(ApplianceFixture.Produced[0] - ApplianceFixture.Committed[0] + ApplianceFixture.Commits - 1, (long)all[0]!["start"]!["lag"]!);
        Assert.Equal(1.0, (double)all[0]!["complete"]!);
        Assert.Equal(0.1, (double)all[2]!["complete"]!, 3);

        var detail = await app.GetJsonAsync($"v3/kafka/local/consumer/{app.Group}");
        var partitions = detail["topics"]![app.Topic]!.AsArray();
        Assert.Equal(3, partitions.Count);
        Assert.Equal(ApplianceFixture.Commits, partitions[0]!["offsets"]!.AsArray().Count);
        Assert.Equal(ApplianceFixture.Committed[0], (long)partitions[0]!["offsets"]!.AsArray()[^1]!["offset"]!);
        Assert.Equal(10, (long)partitions[0]!["current-lag"]!);
    }
}
