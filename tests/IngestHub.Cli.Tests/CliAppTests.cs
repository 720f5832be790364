using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Xunit;

namespace IngestHub.Cli.Tests;

public sealed class CliAppTests(ApplianceFixture appliance)
{
    private Task<CliRun> Run(params string[] args) => CliRun.ExecuteAsync([.. args, "--bootstrap-server", appliance.Bootstrap]);

    private Task<CliRun> RunWithInput(string stdin, params string[] args) =>
        CliRun.ExecuteAsync([.. args, "--bootstrap-server", appliance.Bootstrap], stdin);

    private static void AssertOk(CliRun run) => Assert.True(run.ExitCode == 0, run.ToString());

    [Fact]
    public async Task Topics_create_list_describe_alter_and_delete()
    {
        string topic = ApplianceFixture.UniqueName("topics");
        AssertOk(await Run("topics", "create", topic, "--partitions", "2", "--config", "retention.ms=3600000"));
        Assert.Contains(topic, (await Run("topics", "list")).StdoutLines);

        AssertOk(await RunWithInput("a\nb\nc\n", "produce", topic, "--partition", "1"));
        var described = await Run("topics", "describe", topic);
        AssertOk(described);
        Assert.Contains("Partitions: 2", described.Stdout);
        // Partition 1 holds the three records: log start 0, log end 3.
        Assert.Contains(described.StdoutLines, l => Cells(l) is ["1", "1", _, _, "0", "3", "3"]);
        Assert.Contains(described.StdoutLines, l => Cells(l) is ["0", "1", _, _, "0", "0", "0"]);
        Assert.Contains(described.StdoutLines, l => Cells(l) is ["retention.ms", "3600000", "topic"]);

        AssertOk(await Run("topics", "alter", topic, "--partitions", "4"));
        Assert.Contains("Partitions: 4", (await Run("topics", "describe", topic)).Stdout);

        var shrink = await Run("topics", "alter", topic, "--partitions", "3");
        Assert.NotEqual(0, shrink.ExitCode);

        AssertOk(await Run("topics", "delete", topic));
        Assert.DoesNotContain(topic, (await Run("topics", "list")).StdoutLines);
    }

    [Fact]
    public async Task Produce_then_consume_round_trips_keys_headers_and_json_fields()
    {
        string topic = ApplianceFixture.UniqueName("roundtrip");
        AssertOk(await Run("topics", "create", topic, "--partitions", "3"));
        var produced = await RunWithInput("k1|v1\nk2|v2 with | bar\nno key here\n", "produce", topic, "--key-separator", "|",
            "--header", "source=test", "--header", "env=dev=1", "--acks", "1", "--compression", "gzip");
        AssertOk(produced);
        Assert.Contains("Produced 3 records", produced.Stdout);

        var json = await Run("consume", topic, "--from-beginning", "--max", "3", "--timeout", "10", "--format", "json");
        AssertOk(json);
        var records = json.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, records.Count);
        var byValue = records.ToDictionary(r => r.GetProperty("value").GetString()!);
        Assert.Equal(["no key here", "v1", "v2 with | bar"], byValue.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("k1", byValue["v1"].GetProperty("key").GetString());
        Assert.Equal("k2", byValue["v2 with | bar"].GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Null, byValue["no key here"].GetProperty("key").ValueKind);
        foreach (var record in records)
        {
            Assert.Equal(topic, record.GetProperty("topic").GetString());
            Assert.InRange(record.GetProperty("partition").GetInt32(), 0, 2);
            Assert.True(record.GetProperty("offset").GetInt64() >= 0);
            long age = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - record.GetProperty("timestamp").GetInt64();
            Assert.InRange(age, 0, 120_000);
            Assert.Equal("test", record.GetProperty("headers").GetProperty("source").GetString());
            Assert.Equal("dev=1", record.GetProperty("headers").GetProperty("env").GetString());
        }

        var values = await Run("consume", topic, "--from-beginning", "--timeout", "2");
        AssertOk(values);
        Assert.Equal(["no key here", "v1", "v2 with | bar"], values.StdoutLines.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("lz4", IngestHub.Protocol.Records.CompressionType.Lz4)]
    [InlineData("zstd", IngestHub.Protocol.Records.CompressionType.Zstd)]
    public async Task Produce_compresses_with_lz4_and_zstd_and_consume_reads_it_back(string codec, IngestHub.Protocol.Records.CompressionType expected)
    {
        string topic = ApplianceFixture.UniqueName(codec);
        AssertOk(await Run("topics", "create", topic, "--partitions", "1"));
        string lines = string.Concat(Enumerable.Range(0, 200).Select(i => $"event {i} from the {codec} test\n"));
        var produced = await RunWithInput(lines, "produce", topic, "--compression", codec);
        AssertOk(produced);
        Assert.Contains("Produced 200 records", produced.Stdout);

        // The log holds the batches with the codec asked for.
        byte[] log = await File.ReadAllBytesAsync(Path.Combine(appliance.DataDir, topic + "-0", "00000000000000000000.log"));
        var batches = new IngestHub.Protocol.Records.RecordBatchEnumerator(log);
        int count = 0;
        while (batches.MoveNext())
        {
            Assert.Equal(expected, batches.CurrentHeader.Compression);
            count++;
        }
        Assert.True(count > 0);

        var consumed = await Run("consume", topic, "--from-beginning", "--max", "200", "--timeout", "10");
        AssertOk(consumed);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"event {i} from the {codec} test"), consumed.StdoutLines);
    }

    [Fact]
    public async Task Produce_reads_a_file_and_consume_reads_one_partition()
    {
        string topic = ApplianceFixture.UniqueName("file");
        AssertOk(await Run("topics", "create", topic, "--partitions", "2"));
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, ["one", "two"]);
            AssertOk(await Run("produce", topic, "--file", file, "--partition", "1"));
        }
        finally
        {
            File.Delete(file);
        }
        AssertOk(await RunWithInput("zero\n", "produce", topic, "--partition", "0"));
        var partition1 = await Run("consume", topic, "--from-beginning", "--partition", "1", "--timeout", "2");
        AssertOk(partition1);
        Assert.Equal(["one", "two"], partition1.StdoutLines);
    }

    [Fact]
    public async Task Groups_describe_shows_lag_after_consuming_part_of_a_topic()
    {
        string topic = ApplianceFixture.UniqueName("lag");
        string group = ApplianceFixture.UniqueName("group");
        AssertOk(await Run("topics", "create", topic, "--partitions", "1"));
        AssertOk(await RunWithInput(string.Concat(Enumerable.Range(0, 10).Select(i => $"record-{i}\n")), "produce", topic));

        var consumed = await Run("consume", topic, "--group", group, "--from-beginning", "--max", "4", "--timeout", "20");
        AssertOk(consumed);
        Assert.Equal(["record-0", "record-1", "record-2", "record-3"], consumed.StdoutLines);

        Assert.Contains(group, (await Run("groups", "list")).StdoutLines);
        var described = await Run("groups", "describe", group);
        AssertOk(described);
        Assert.Contains("GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID",
            string.Join(" ", described.StdoutLines.Select(l => string.Join(" ", Cells(l)))));
        Assert.Contains(described.StdoutLines, l => Cells(l) is [var g, var t, "0", "4", "10", "6", ..] && g == group && t == topic);
        Assert.Contains("STATE Empty", described.Stdout);

        // The group resumes from its commit.
        var rest = await Run("consume", topic, "--group", group, "--max", "6", "--timeout", "20");
        AssertOk(rest);
        Assert.Equal("record-4", rest.StdoutLines[0]);
        Assert.Contains((await Run("groups", "describe", group)).StdoutLines, l => Cells(l) is [_, _, "0", "10", "10", "0", ..]);
    }

    [Fact]
    public async Task Bench_produce_consume_and_e2e_print_figures()
    {
        string topic = ApplianceFixture.UniqueName("bench");
        var produce = await Run("bench", "produce", "--topic", topic, "--records", "3000", "--record-size", "64", "--acks", "all", "--json");
        AssertOk(produce);
        var figures = JsonDocument.Parse(produce.Stdout).RootElement;
        Assert.Equal(3000, figures.GetProperty("records").GetInt64());
        Assert.True(figures.GetProperty("recordsPerSec").GetDouble() > 0);
        Assert.True(figures.GetProperty("mbPerSec").GetDouble() > 0);
        var latency = figures.GetProperty("latencyMs");
        Assert.Equal(3000, latency.GetProperty("samples").GetInt32());
        Assert.True(latency.GetProperty("p50").GetDouble() > 0);
        Assert.True(latency.GetProperty("p999").GetDouble() >= latency.GetProperty("p99").GetDouble());
        Assert.True(latency.GetProperty("p99").GetDouble() >= latency.GetProperty("p50").GetDouble());

        var consume = await Run("bench", "consume", "--topic", topic, "--records", "3000", "--record-size", "64");
        AssertOk(consume);
        Assert.Contains(consume.StdoutLines, l => Cells(l) is ["records", "3,000"]);
        Assert.Contains(consume.StdoutLines, l => Cells(l) is ["records/s", var rate] && double.Parse(rate, System.Globalization.CultureInfo.InvariantCulture) > 0);

        var e2e = await Run("bench", "e2e", "--topic", topic, "--records", "300", "--rate", "1000", "--json");
        AssertOk(e2e);
        var e2eFigures = JsonDocument.Parse(e2e.Stdout).RootElement;
        Assert.Equal(300, e2eFigures.GetProperty("latencyMs").GetProperty("samples").GetInt32());
        Assert.True(e2eFigures.GetProperty("seconds").GetDouble() >= 0.25, "300 records at 1000/s take at least 0.3 s");
    }

    [Fact]
    public async Task Unknown_command_exits_non_zero_with_one_error_line()
    {
        var run = await CliRun.ExecuteAsync(["frobnicate"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        AssertOneLine(run.Stderr, "frobnicate");
    }

    [Fact]
    public async Task Invalid_option_value_exits_non_zero_with_one_error_line()
    {
        var run = await RunWithInput("x\n", "produce", "whatever", "--acks", "2");
        Assert.Equal(2, run.ExitCode);
        AssertOneLine(run.Stderr, "--acks");
    }

    [Fact]
    public async Task Missing_topic_exits_non_zero_with_one_error_line()
    {
        string topic = ApplianceFixture.UniqueName("missing");
        var consume = await Run("consume", topic, "--timeout", "1");
        Assert.Equal(1, consume.ExitCode);
        AssertOneLine(consume.Stderr, $"topic '{topic}' does not exist");

        var produce = await RunWithInput("x\n", "produce", topic);
        Assert.Equal(1, produce.ExitCode);
        AssertOneLine(produce.Stderr, "does not exist");

        Assert.Equal(1, (await Run("topics", "describe", topic)).ExitCode);
    }

    [Fact]
    public async Task Unreachable_broker_exits_non_zero_with_one_error_line()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await CliRun.ExecuteAsync(["topics", "list", "--bootstrap-server", $"127.0.0.1:{closedPort}"]);
        Assert.Equal(1, run.ExitCode);
        AssertOneLine(run.Stderr, $"127.0.0.1:{closedPort}");
    }

    [Fact]
    public async Task Serve_passes_flags_to_the_appliance()
    {
        string missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".yaml");
        var run = await CliRun.ExecuteAsync(["serve", "--config", missing]);
        Assert.Equal(2, run.ExitCode);
    }

    private static void AssertOneLine(string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{stderr}");
        Assert.StartsWith("ingesthub: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain(" at ", lines[0]);
    }

    /// <summary>The cells of a table row (ASCII borders or space-separated columns).</summary>
    private static string[] Cells(string line) =>
        line.Split(['|', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
