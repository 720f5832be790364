using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Cli.Tests;

/// <summary><c>ingesthub connectors …</c> against the appliance's HTTP API, with a real redis-server as the sink.</summary>
public sealed class ConnectorsCommandTests(ApplianceFixture appliance) : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ingesthub-cli-connectors-" + Guid.NewGuid().ToString("N"));
    private RedisServer? _redis;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _redis = await RedisServer.StartAsync(new() { Runtime = RedisRuntime.Process });
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
            await _redis.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<CliRun> Api(params string[] args) => CliRun.ExecuteAsync([.. args, "--url", appliance.HttpUrl]);

    private Task<CliRun> Kafka(params string[] args) => CliRun.ExecuteAsync([.. args, "--bootstrap-server", appliance.Bootstrap]);

    private static void AssertOk(CliRun run) => Assert.True(run.ExitCode == 0, run.ToString());

    private string WriteFile(string fileName, string yaml)
    {
        string path = Path.Combine(_dir, fileName);
        File.WriteAllText(path, yaml);
        return path;
    }

    private string PipelineYaml(string name, string topic, string port, string mode = "list") => $"""
        name: {name}
        input:
          topics: [{topic}]
          workers: 1
        codec: json
        filters:
          - mutate:
              add_field: {"{"} via: cli {"}"}
        output:
          type: redis
          host: 127.0.0.1
          port: {port}
          mode: {mode}
          key: {name}
        errors:
          tolerance: all
        """;

    private static string[] Cells(string line) =>
        line.Split(['|', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Validate_reports_each_wrong_setting_in_a_table_and_exits_1()
    {
        string name = ApplianceFixture.UniqueName("cli-bad");
        string file = WriteFile("bad.yaml", PipelineYaml(name, "some-topic", "99999", mode: "queue"));
        var run = await Api("connectors", "validate", "-f", file);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.StdoutLines, l => Cells(l) is ["output.port", "99999", "must", "be", "between", "1", "and", "65535,", "got", "99999"]);
        Assert.Contains(run.StdoutLines, l => l.Contains("output.mode", StringComparison.Ordinal) && l.Contains("must be one of list, stream", StringComparison.Ordinal));
        Assert.Contains("2 error(s)", run.Stderr, StringComparison.Ordinal);

        var create = await Api("connectors", "create", "-f", file);
        Assert.Equal(1, create.ExitCode);
        Assert.DoesNotContain(name, (await Api("connectors", "list")).Stdout, StringComparison.Ordinal);

        string good = WriteFile("good.yaml", PipelineYaml(name, "some-topic", "6379"));
        var valid = await Api("connectors", "validate", "-f", good);
        AssertOk(valid);
        Assert.Contains("0 errors", valid.Stdout, StringComparison.Ordinal);

        Assert.Equal(1, (await Api("connectors", "validate", "-f", Path.Combine(_dir, "missing.yaml"))).ExitCode);
        Assert.Equal(1, (await Api("connectors", "validate", "-f", WriteFile("broken.yaml", "input: [unclosed"))).ExitCode);
    }

    [Fact]
    public async Task Create_list_describe_pause_resume_restart_export_and_delete()
    {
        string name = ApplianceFixture.UniqueName("cli-conn");
        string topic = name + "-in";
        AssertOk(await Kafka("topics", "create", topic, "--partitions", "2"));
        string file = WriteFile("conn.yaml", PipelineYaml(name, topic, _redis!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var created = await Api("connectors", "create", "-f", file);
        AssertOk(created);
        Assert.Contains($"Created connector {name}", created.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, (await Api("connectors", "create", "-f", file)).ExitCode); // already exists

        AssertOk(await CliRun.ExecuteAsync(["produce", topic, "--bootstrap-server", appliance.Bootstrap], "{\"n\":1}\n{\"n\":2}\n"));
        var db = await _redis.DatabaseAsync();
        await Poll(async () => await db.ListLengthAsync(name) == 2, "two events in the Redis list");
        Assert.Contains("\"via\":\"cli\"", (string?)await db.ListGetByIndexAsync(name, 0), StringComparison.Ordinal);

        var list = await Api("connectors", "list");
        AssertOk(list);
        Assert.Contains(list.StdoutLines, l => Cells(l) is ["NAME", "STATE", "TYPE", "WORKERS", "TOPICS", "EVENTS-OUT", "DEAD-LETTERED"]);
        await Poll(async () => (await Api("connectors", "list")).StdoutLines.Any(l => Cells(l) is [var n, "RUNNING", "redis", "1", var t, "2", "0"] && n == name && t == topic),
            "list shows the connector RUNNING with 2 events out");

        var described = await Api("connectors", "describe", name);
        AssertOk(described);
        Assert.Contains($"CONNECTOR {name}  STATE RUNNING  TYPE redis  DLQ {name}.dlq", described.Stdout, StringComparison.Ordinal);
        Assert.Contains(described.StdoutLines, l => Cells(l) is ["events_out", "2"]);
        Assert.Contains("mode: list", described.Stdout, StringComparison.Ordinal);

        AssertOk(await Api("connectors", "pause", name));
        Assert.Contains("STATE PAUSED", (await Api("connectors", "describe", name)).Stdout, StringComparison.Ordinal);
        AssertOk(await Api("connectors", "resume", name));
        Assert.Contains("STATE RUNNING", (await Api("connectors", "describe", name)).Stdout, StringComparison.Ordinal);
        var restarted = await Api("connectors", "restart", name);
        AssertOk(restarted);
        Assert.Contains($"Restarted connector {name}", restarted.Stdout, StringComparison.Ordinal);

        var exported = await Api("connectors", "export", name);
        AssertOk(exported);
        Assert.Contains($"name: {name}", exported.Stdout, StringComparison.Ordinal);
        string exportFile = Path.Combine(_dir, "exported.yaml");
        AssertOk(await Api("connectors", "export", name, "-o", exportFile));
        // The exported file validates as it is.
        AssertOk(await Api("connectors", "validate", "-f", exportFile));

        var deleted = await Api("connectors", "delete", name);
        AssertOk(deleted);
        Assert.DoesNotContain(name, (await Api("connectors", "list")).Stdout, StringComparison.Ordinal);
        var gone = await Api("connectors", "describe", name);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains($"Connector {name} not found", gone.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await Api("connectors", "pause", name)).ExitCode);
    }

    [Fact]
    public async Task An_unreachable_api_is_a_one_line_error()
    {
        var run = await CliRun.ExecuteAsync(["connectors", "list", "--url", "http://127.0.0.1:1"]);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("ingesthub: cannot reach the IngestHub API at http://127.0.0.1:1/", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, (await CliRun.ExecuteAsync(["connectors", "list", "--url", "ftp://x"])).ExitCode);
    }

    private static Task Poll(Func<Task<bool>> condition, string what) =>
        IngestHub.Testing.Poll.UntilAsync(condition, TimeSpan.FromSeconds(30), () => what);
}
