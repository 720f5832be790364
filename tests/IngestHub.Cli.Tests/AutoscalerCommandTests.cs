using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace IngestHub.Cli.Tests;

public sealed class AutoscalerCommandTests(ApplianceFixture appliance)
{
    private Task<CliRun> Run(params string[] args) => CliRun.ExecuteAsync([.. args, "--url", appliance.HttpUrl]);

    [Fact]
    public async Task Status_lists_targets_and_details_one_and_spill_requests_are_refused_with_the_reason()
    {
        string topic = ApplianceFixture.UniqueName("scaled");
        string name = ApplianceFixture.UniqueName("scaled-to-redis");
        Assert.Equal(0, (await CliRun.ExecuteAsync(["topics", "create", topic, "--partitions", "2", "--bootstrap-server", appliance.Bootstrap])).ExitCode);
        using var http = new HttpClient { BaseAddress = new Uri(appliance.HttpUrl + "/") };
        var config = new JsonObject
        {
            ["input"] = new JsonObject { ["topics"] = new JsonArray(topic) },
            ["output"] = new JsonObject { ["type"] = "redis", ["port"] = 1 }, // nothing listens: the sink retries, the target is there all the same
            ["autoscale"] = new JsonObject { ["max"] = 2, ["lagThreshold"] = 100, ["interval"] = "1s", ["spill"] = new JsonObject { ["enabled"] = false } },
        };
        using (var created = await http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = config }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        CliRun list = null!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            list = await Run("autoscaler", "status");
            if (list.StdoutLines.Any(l => l.Contains(name, StringComparison.Ordinal)))
                break;
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        Assert.True(list.ExitCode == 0, list.ToString());
        var row = list.StdoutLines.Single(l => l.Contains(name, StringComparison.Ordinal));
        Assert.Contains("connector", row);
        Assert.Contains("normal", row);

        var detail = await Run("autoscaler", "status", name);
        Assert.True(detail.ExitCode == 0, detail.ToString());
        Assert.Contains($"TARGET {name}  KIND connector  GROUP {name}", detail.Stdout);
        Assert.Contains("POLICY min 1  max 2  lagThreshold 100", detail.Stdout);
        Assert.Contains("spill disabled", detail.Stdout);
        Assert.Contains(topic, detail.Stdout);

        var spill = await Run("autoscaler", "spill", name);
        Assert.Equal(1, spill.ExitCode);
        Assert.Contains("spill is disabled", spill.Stderr);
        var unspill = await Run("autoscaler", "unspill", name);
        Assert.Equal(1, unspill.ExitCode);
        Assert.Contains("is not spilling", unspill.Stderr);
        var unknown = await Run("autoscaler", "status", "no-such-target");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("not found", unknown.Stderr);
        var badUrl = await CliRun.ExecuteAsync(["autoscaler", "status", "--url", "ftp://x"]);
        Assert.Equal(2, badUrl.ExitCode);
        using var deleted = await http.DeleteAsync($"connectors/{name}");
    }
}
