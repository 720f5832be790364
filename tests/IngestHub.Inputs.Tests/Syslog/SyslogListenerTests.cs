using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Testing;
using Xunit;

namespace IngestHub.Inputs.Tests.Syslog;

/// <summary>The syslog listener fed by util-linux <c>logger</c>, rsyslog forwarding over UDP and raw TCP frames; records read
/// back from the topic through the Kafka protocol.</summary>
public sealed class SyslogListenerTests(ApplianceFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ingesthub-syslog-").FullName;
    private Process? _rsyslog;

    public void Dispose()
    {
        if (_rsyslog is { HasExited: false })
        {
            _rsyslog.Kill();
            _rsyslog.WaitForExit(10_000);
        }
        _rsyslog?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Marker() => "m" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Records of the syslog topic whose message contains <paramref name="marker"/>, once there are at least <paramref name="count"/>.</summary>
    private async Task<List<JsonObject>> StoredAsync(string marker, int count = 1, Func<Task>? resend = null)
    {
        List<JsonObject> found = [];
        await Poll.UntilAsync(async () =>
        {
            var records = await TopicReader.ReadAllAsync(fixture.Host.Bootstrap, ApplianceFixture.SyslogTopic);
            found = [.. records.Select(r => JsonNode.Parse(r.Value!)!.AsObject()).Where(j => ((string?)j["message"])?.Contains(marker, StringComparison.Ordinal) == true)];
            if (found.Count < count && resend is not null)
                await resend();
            return found.Count >= count;
        }, TimeSpan.FromSeconds(30), () => $"{found.Count} of {count} records with {marker}");
        return found;
    }

    private static async Task RunAsync(string file, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        string error = await process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} exited {process.ExitCode}: {error}");
    }

    [Fact]
    public async Task Logger_over_tcp_with_rfc5424_lands_parsed_with_structured_data()
    {
        string marker = Marker();
        await RunAsync("logger", null, "-n", "127.0.0.1", "-P", $"{fixture.SyslogPort}", "-T", "--rfc5424", "-t", "billing", "--msgid", "PAY1",
            "--sd-id", "order@32473", "--sd-param", "id=\"42\"", "--sd-param", "amount=\"9.50\"", "-p", "local3.warning", $"payment declined {marker}");
        var json = Assert.Single(await StoredAsync(marker));
        Assert.Equal("rfc5424", (string)json["format"]!);
        Assert.Equal(19, (int)json["facility"]!);
        Assert.Equal("warning", (string)json["level"]!);
        Assert.Equal("billing", (string)json["app"]!);
        Assert.Equal("PAY1", (string)json["msgid"]!);
        Assert.Equal("42", (string)json["structuredData"]!["order@32473"]!["id"]!);
        Assert.Equal("9.50", (string)json["structuredData"]!["order@32473"]!["amount"]!);
        Assert.Equal(Environment.MachineName, ((string)json["host"]!).Split('.')[0], ignoreCase: true);
        Assert.Equal($"payment declined {marker}", (string)json["message"]!);
    }

    [Fact]
    public async Task Logger_over_tcp_with_octet_counting_delivers_every_line_of_its_input()
    {
        string marker = Marker();
        await RunAsync("logger", $"first {marker}\nsecond {marker}\nthird {marker}\n",
            "-n", "127.0.0.1", "-P", $"{fixture.SyslogPort}", "-T", "--octet-count", "-t", "batch");
        var found = await StoredAsync(marker, 3);
        Assert.Equal([$"first {marker}", $"second {marker}", $"third {marker}"], found.Select(j => (string)j["message"]!).Order(StringComparer.Ordinal));
        Assert.All(found, j => Assert.Equal("batch", (string)j["app"]!));
    }

    [Fact]
    public async Task Logger_over_udp_with_rfc3164_lands_parsed()
    {
        string marker = Marker();
        Task Send() => RunAsync("logger", null, "-n", "127.0.0.1", "-P", $"{fixture.SyslogPort}", "-d", "--rfc3164", "-t", "cron", "-i", "-p", "cron.info", $"job ran {marker}");
        await Send();
        var json = (await StoredAsync(marker, 1, Send))[0];
        Assert.Equal("rfc3164", (string)json["format"]!);
        Assert.Equal(9, (int)json["facility"]!);
        Assert.Equal("info", (string)json["level"]!);
        Assert.Equal("cron", (string)json["app"]!);
        Assert.False(string.IsNullOrEmpty((string?)json["procid"]));
        Assert.Equal($"job ran {marker}", (string)json["message"]!);
    }

    [Fact]
    public async Task Rsyslog_forwarding_over_udp_lands_parsed()
    {
        int rsyslogPort = FreeUdpPort();
        string config = Path.Combine(_dir, "rsyslog.conf");
        await File.WriteAllTextAsync(config, $"""
            global(workDirectory="{_dir}")
            module(load="imudp")
            input(type="imudp" address="127.0.0.1" port="{rsyslogPort}")
            *.* action(type="omfwd" target="127.0.0.1" port="{fixture.SyslogPort}" protocol="udp")
            """);
        _rsyslog = Process.Start(new ProcessStartInfo("rsyslogd", ["-n", "-f", config, "-i", Path.Combine(_dir, "rsyslogd.pid")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        _rsyslog.BeginErrorReadLine();
        _rsyslog.BeginOutputReadLine();
        string marker = Marker();
        // UDP: until rsyslog has bound its port a datagram is lost, so the same line is sent again while polling.
        Task Send() => RunAsync("logger", null, "-n", "127.0.0.1", "-P", $"{rsyslogPort}", "-d", "--rfc3164", "-t", "nginx", "-p", "daemon.err", $"upstream timed out {marker}");
        await Send();
        var json = (await StoredAsync(marker, 1, Send))[0];
        Assert.False(_rsyslog.HasExited, "rsyslogd exited");
        Assert.Equal("rfc3164", (string)json["format"]!);
        Assert.Equal(3, (int)json["facility"]!);
        Assert.Equal("err", (string)json["level"]!);
        Assert.Equal("nginx", (string)json["app"]!);
        Assert.False(string.IsNullOrEmpty((string?)json["host"]));
        Assert.Equal($"upstream timed out {marker}", (string)json["message"]!);
    }

    [Fact]
    public async Task An_over_long_line_is_cut_and_tagged_and_the_next_line_is_intact()
    {
        string marker = Marker();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, fixture.SyslogPort);
        var stream = client.GetStream();
        string longLine = $"<14>1 - h app - - - long {marker} " + new string('x', ApplianceFixture.SyslogMaxMessageBytes * 3);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{longLine}\n<14>1 - h app - - - short {marker}\n"));
        await stream.FlushAsync();
        var found = await StoredAsync(marker, 2);
        Assert.Equal(2, found.Count);
        var cut = Assert.Single(found, j => ((string)j["message"]!).StartsWith("long", StringComparison.Ordinal));
        Assert.Equal("_syslogtruncated", (string)cut["tags"]![0]!);
        Assert.True(((string)cut["message"]!).Length < ApplianceFixture.SyslogMaxMessageBytes);
        Assert.Single(found, j => (string)j["message"]! == $"short {marker}");
    }

    [Fact]
    public async Task An_octet_count_over_the_limit_closes_the_connection_and_counts_a_reject()
    {
        var counters = fixture.Host.Services.GetService(typeof(InputRegistry)) is InputRegistry registry ? registry.Syslog : throw new InvalidOperationException("no registry");
        long rejectedBefore = counters.Rejected;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, fixture.SyslogPort);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{ApplianceFixture.SyslogMaxMessageBytes + 1} <14>1 - h app - - - x"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[16];
        Assert.Equal(0, await stream.ReadAsync(buffer, cts.Token)); // closed by the listener
        await Poll.UntilAsync(() => counters.Rejected > rejectedBefore, TimeSpan.FromSeconds(10), () => $"rejected {counters.Rejected}");
    }

    private static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }
}
