using System.Net;
using System.Text;
using IngestHub.Testing;
using Xunit;

namespace IngestHub.Cli.Tests;

/// <summary><c>ingesthub topologies</c> against the appliance's topologies API, with a topology submitted over HTTP.</summary>
public sealed class TopologiesCommandTests(ApplianceFixture appliance)
{
    private Task<CliRun> Run(params string[] args) => CliRun.ExecuteAsync([.. args, "--url", appliance.HttpUrl]);

    private static void AssertOk(CliRun run) => Assert.True(run.ExitCode == 0, run.ToString());

    [Fact]
    public async Task List_describe_rebalance_pause_and_resume_a_running_topology()
    {
        string name = ApplianceFixture.UniqueName("cli-topology");
        AssertOk(await CliRun.ExecuteAsync(["topologies", "list", "--url", appliance.HttpUrl]));
        AssertOk(await CliRun.ExecuteAsync(["topics", "create", name, "--partitions", "2", "--bootstrap-server", appliance.Bootstrap]));
        using var http = new HttpClient { BaseAddress = new Uri(appliance.HttpUrl) };
        string yaml = $$"""
            name: {{name}}
            spouts:
              logs: { type: kafka, topics: [{{name}}], tasks: 2 }
            bolts:
              parse: { type: pipeline, input: logs, codec: json, fields: [service], tasks: 3 }
            """;
        using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        using (var submitted = await http.PostAsync("api/topologies", content, TestContext.Current.CancellationToken))
            Assert.True(submitted.StatusCode == HttpStatusCode.Created, await submitted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        try
        {
            var list = await Run("topologies", "list");
            AssertOk(list);
            Assert.Contains(list.StdoutLines, l => Cells(l) is [var n, "ACTIVE", "api", ..] && n == name);

            var described = await Run("topologies", "describe", name);
            AssertOk(described);
            Assert.Contains($"TOPOLOGY {name}  STATE ACTIVE", described.Stdout, StringComparison.Ordinal);
            Assert.Contains(described.StdoutLines, l => Cells(l) is ["logs", "spout", "1", "2", ..]);
            Assert.Contains(described.StdoutLines, l => Cells(l) is ["parse", "bolt", "1", "3", ..]);
            // Each spout task is a group member; once they own the partitions the lag table lists both.
            await Poll.UntilAsync(async () =>
                (await Run("topologies", "describe", name)).StdoutLines.Count(l => Cells(l) is ["logs", var t, "0" or "1", ..] && t == name) == 2,
                TimeSpan.FromSeconds(60), () => "lag rows for both partitions");

            var rebalanced = await Run("topologies", "rebalance", name, "-e", "parse=3", "-e", "logs=2");
            AssertOk(rebalanced);
            Assert.Contains(rebalanced.StdoutLines, l => Cells(l) is ["parse", "bolt", "3", "3", ..]);
            Assert.Contains(rebalanced.StdoutLines, l => Cells(l) is ["logs", "spout", "2", "2", ..]);

            AssertOk(await Run("topologies", "pause", name));
            await Poll.UntilAsync(async () => (await Run("topologies", "list")).StdoutLines.Any(l => Cells(l) is [var n, "INACTIVE", ..] && n == name),
                TimeSpan.FromSeconds(30), () => "paused");
            AssertOk(await Run("topologies", "resume", name));
            await Poll.UntilAsync(async () => (await Run("topologies", "list")).StdoutLines.Any(l => Cells(l) is [var n, "ACTIVE", ..] && n == name),
                TimeSpan.FromSeconds(30), () => "resumed");
        }
        finally
        {
            using var deleted = await http.DeleteAsync($"api/topologies/{name}", TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Errors_are_one_line_with_a_non_zero_exit()
    {
        var missing = await Run("topologies", "describe", "no-such-topology");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("ingesthub: Topology no-such-topology not found", missing.Stderr.Trim());

        var badCount = await Run("topologies", "rebalance", "any", "-e", "parse=zero");
        Assert.Equal(2, badCount.ExitCode);
        Assert.Equal("ingesthub: --executors parse: the count must be a positive integer, not 'zero'", badCount.Stderr.Trim());

        // A port nothing listens on.
        var unreachable = await CliRun.ExecuteAsync(["topologies", "list", "--url", "http://127.0.0.1:1"]);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith("ingesthub: cannot reach the appliance at http://127.0.0.1:1/", unreachable.Stderr.Trim(), StringComparison.Ordinal);
        Assert.Single(unreachable.Stderr.Trim().Split('\n'));
    }

    private static string[] Cells(string line) =>
        line.Split(['|', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
