using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace IngestHub.Server.Tests;

public sealed class MonitoringApiTests(ApplianceFixture app)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private async Task<JsonNode> GroupAsync() =>
        (await app.GetJsonAsync("api/groups")).AsArray().Single(g => (string)g!["group"]! == app.Group)!;

    [Fact]
    public async Task Health_and_readiness_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("readyz")).StatusCode);
    }

    [Fact]
    public async Task Topics_report_partitions_offsets_size_and_retention()
    {
        var topic = (await app.GetJsonAsync("api/topics")).AsArray().Single(t => (string)t!["name"]! == app.Topic)!;
        Assert.Equal(3, (int)topic["partition_count"]!);
        var partitions = topic["partitions"]!.AsArray();
        for (int p = 0; p < 3; p++)
        {
            Assert.Equal(p, (int)partitions[p]!["partition"]!);
            Assert.Equal(0, (long)partitions[p]!["log_start_offset"]!);
            Assert.Equal(ApplianceFixture.Produced[p], (long)partitions[p]!["log_end_offset"]!);
            Assert.True((long)partitions[p]!["size_bytes"]! > ApplianceFixture.Produced[p] * 8);
        }
        Assert.Equal(ApplianceFixture.Produced.Sum(), (long)topic["records"]!);
        Assert.Equal(7L * 24 * 3600 * 1000, (long)topic["retention"]!["retention.ms"]!);
        Assert.Equal("delete", (string)topic["retention"]!["cleanup.policy"]!);
    }

    [Fact]
    public async Task Groups_report_members_and_per_partition_lag()
    {
        var group = await GroupAsync();
        Assert.Equal("Stable", (string)group["state"]!);
        var member = Assert.Single(group["members"]!.AsArray())!;
        Assert.Equal(ApplianceFixture.ClientId, (string)member["client_id"]!);
        Assert.False(string.IsNullOrEmpty((string?)member["client_host"]));
        var partitions = group["partitions"]!.AsArray();
        Assert.Equal(3, partitions.Count);
        for (int p = 0; p < 3; p++)
        {
            var row = partitions[p]!;
            Assert.Equal(p, (int)row["partition"]!);
            Assert.Equal(ApplianceFixture.Committed[p], (long)row["committed_offset"]!);
            Assert.Equal(ApplianceFixture.Produced[p], (long)row["log_end_offset"]!);
            Assert.Equal(ApplianceFixture.Produced[p] - ApplianceFixture.Committed[p], (long)row["lag"]!);
            Assert.Equal(ApplianceFixture.ClientId, (string)row["client_id"]!);
            Assert.Contains((string)row["status"]!, new[] { "OK", "WARNING", "STALL", "STOP", "REWIND" });
            Assert.Equal(p == 2 ? 1 : ApplianceFixture.Commits, (int)row["commits"]!);
            Assert.True((double)row["lag_seconds"]! >= 0);
        }
        Assert.Equal(30, (long)group["total_lag"]!);
    }

    [Fact]
    public async Task Stopped_consumer_with_lag_turns_stop_and_the_group_err_once_the_window_is_full()
    {
        var group = await Eventually.MatchAsync(GroupAsync, g => (string)g["status"]! == "ERR", Deadline, "group status ERR");
        var statuses = group["partitions"]!.AsArray().Select(p => (string)p!["status"]!).ToArray();
        // Partitions 0 and 1 have lag and no commit for longer than their ten commits spanned; partition 2 has no lag.
        Assert.Equal(["STOP", "STOP", "OK"], statuses);
        var single = await app.GetJsonAsync($"api/groups/{app.Group}");
        Assert.Equal("ERR", (string)single["status"]!);
    }

    [Fact]
    public async Task Lag_history_has_a_series_per_partition_and_a_total_within_the_window()
    {
        var history = await Eventually.MatchAsync(() => app.GetJsonAsync($"api/groups/{app.Group}/lag?window=15m"),
            h => h["total"]!.AsArray().Count >= 3, Deadline, "three lag samples");
        Assert.Equal(900, (long)history["window_seconds"]!);
        Assert.Equal(1, (int)history["interval_seconds"]!);
        long now = (long)history["now"]!;
        var partitions = history["partitions"]!.AsArray();
        Assert.Equal(3, partitions.Count);
        for (int p = 0; p < 3; p++)
        {
            var points = partitions[p]!["points"]!.AsArray();
            Assert.True(points.Count >= 3);
            var last = points[^1]!.AsArray();
            Assert.Equal(ApplianceFixture.Produced[p] - ApplianceFixture.Committed[p], (long)last[1]!);
            Assert.Equal(ApplianceFixture.Committed[p], (long)last[2]!);
            long previous = 0;
            foreach (var point in points)
            {
                long t = (long)point![0]!;
                Assert.True(t > previous && t <= now && t >= now - 900_000);
                previous = t;
            }
        }
        Assert.Equal(30, (long)history["total"]!.AsArray()[^1]![1]!);

        var shortWindow = await app.GetJsonAsync($"api/groups/{app.Group}/lag?window=30s");
        Assert.All(shortWindow["total"]!.AsArray(), p => Assert.True((long)p![0]! >= now - 31_000));
    }

    [Fact]
    public async Task Lag_history_rejects_a_bad_window_and_an_unknown_group()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Http.GetAsync($"api/groups/{app.Group}/lag?window=soon")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Http.GetAsync("api/groups/no-such-group/lag")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Http.GetAsync("api/groups/no-such-group")).StatusCode);
    }

    [Fact]
    public async Task Overview_reports_totals_and_an_ingest_rate_series()
    {
        var overview = await Eventually.MatchAsync(() => app.GetJsonAsync("api/overview"),
            o => o["ingest"]!["series"]!.AsArray().Count >= 2, Deadline, "two ingest rate points");
        Assert.True((bool)overview["broker"]!["ready"]!);
        Assert.True((long)overview["totals"]!["records"]! >= ApplianceFixture.Produced.Sum());
        Assert.True((long)overview["totals"]!["total_lag"]! >= 30);
        foreach (var point in overview["ingest"]!["series"]!.AsArray())
        {
            Assert.True((double)point![1]! >= 0);
            Assert.True((double)point[2]! >= 0);
        }
    }

    [Fact]
    public async Task Connectors_endpoint_answers_a_list()
    {
        var connectors = await app.GetJsonAsync("api/connectors");
        Assert.IsType<JsonArray>(connectors);
    }
}
