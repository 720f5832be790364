using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using IngestHub.Client;
using StackExchange.Redis;

namespace IngestHub.Cli.Bench;

/// <summary>
/// <c>ingesthub bench pipeline</c>: the appliance's core job, timed against a peer in the same run. Starts a
/// redis-server (unless one is given) and an appliance on free loopback ports, fills a topic with JSON log lines,
/// then times, from the moment each starts, until the Redis list holds every event:
/// <list type="bullet">
/// <item>an IngestHub connector (codec json, the given workers, Redis list sink), created through the REST API;</item>
/// <item>rsyslog (imkafka → mmjsonparse → omhiredis RPUSH of the re-serialized JSON), when rsyslogd is installed.</item>
/// </list>
/// Reports events/s, MB/s, the time to the first delivered event and the CPU seconds per million events of each
/// process (from /proc, so it holds up on a busy machine where wall time does not).
/// </summary>
public static class PipelineBenchmark
{
    private const string Topic = "bench-events";

    public sealed record Settings(long Records, int Partitions, int Workers, string Codec, int BatchSize, int LingerMs, string? Redis,
        string? Appliance, bool Rsyslog, int RsyslogWorkers);

    public sealed record Run(string System, long Events, double Seconds, double FirstDeliverySeconds, double CpuSeconds, long Bytes)
    {
        public double EventsPerSecond => Events / Seconds;
        public double MegabytesPerSecond => Bytes / Seconds / 1e6;
        public double CpuSecondsPerMillion => CpuSeconds * 1e6 / Events;
    }

    public static async Task<IReadOnlyList<Run>> RunAsync(Settings settings, Action<string>? progress, CancellationToken ct)
    {
        string work = Directory.CreateTempSubdirectory("ingesthub-bench-pipeline-").FullName;
        var children = new List<Process>();
        try
        {
            string redisEndpoint = settings.Redis ?? StartRedis(work, children);
            int kafkaPort = FreePort(), httpPort = FreePort();
            var appliance = StartAppliance(settings, work, kafkaPort, httpPort);
            children.Add(appliance);
            string bootstrap = $"127.0.0.1:{kafkaPort}";
            using var http = HttpApiOptions.CreateClient($"http://127.0.0.1:{httpPort}", HttpApiCredentials.FromEnvironment(), TimeSpan.FromSeconds(30));
            await WaitForAsync(async () => (await TryGetAsync(http, "/connectors", ct)) == HttpStatusCode.OK, TimeSpan.FromSeconds(120), "the appliance to listen", ct);
            await using var redis = await ConnectionMultiplexer.ConnectAsync(redisEndpoint);
            var db = redis.GetDatabase();

            progress?.Invoke($"producing {settings.Records:N0} events");
            long bytes = await FillAsync(bootstrap, settings, ct);
            var runs = new List<Run>();

            progress?.Invoke("ingesthub connector");
            runs.Add(await MeasureIngestHubAsync(settings, http, db, appliance, redisEndpoint, bytes, ct));
            if (settings.Rsyslog)
            {
                progress?.Invoke("rsyslog");
                runs.Add(await MeasureRsyslogAsync(settings, work, bootstrap, db, redisEndpoint, bytes, ct));
            }
            return runs;
        }
        finally
        {
            foreach (var child in children)
                Stop(child);
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<Run> MeasureIngestHubAsync(Settings settings, HttpClient http, IDatabase db, Process appliance, string redis,
        long bytes, CancellationToken ct)
    {
        const string key = "bench-ingesthub";
        await db.KeyDeleteAsync(key);
        var (host, port) = Endpoint(redis);
        string body = JsonSerializer.Serialize(new
        {
            name = "bench-pipeline",
            config = new Dictionary<string, object>
            {
                ["input"] = new Dictionary<string, object> { ["topics"] = new[] { Topic }, ["workers"] = settings.Workers, ["start"] = "earliest" },
                ["codec"] = settings.Codec,
                ["output"] = new Dictionary<string, object>
                {
                    ["type"] = "redis", ["host"] = host, ["port"] = port, ["mode"] = "list", ["key"] = key,
                    ["batch.size"] = settings.BatchSize, ["linger.ms"] = settings.LingerMs,
                },
            },
        });
        double cpuBefore = CpuSeconds(appliance);
        var clock = Stopwatch.StartNew();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using (var response = await http.PostAsync(new Uri("/connectors", UriKind.Relative), content, ct))
        {
            if (!response.IsSuccessStatusCode)
                throw new CliException($"creating the connector answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        var (first, seconds) = await WaitForListAsync(db, key, settings.Records, clock, ct);
        double cpu = CpuSeconds(appliance) - cpuBefore;
        using (await http.DeleteAsync(new Uri("/connectors/bench-pipeline", UriKind.Relative), ct))
        {
        }
        await db.KeyDeleteAsync(key);
        return new Run($"ingesthub ({settings.Workers} workers, codec {settings.Codec})", settings.Records, seconds, first, cpu, bytes);
    }

    private static async Task<Run> MeasureRsyslogAsync(Settings settings, string work, string bootstrap, IDatabase db, string redis, long bytes,
        CancellationToken ct)
    {
        const string key = "bench-rsyslog";
        await db.KeyDeleteAsync(key);
        var (host, port) = Endpoint(redis);
        string dir = Path.Combine(work, "rsyslog");
        Directory.CreateDirectory(dir);
        string config = Path.Combine(dir, "rsyslog.conf");
        IngestHub.Storage.AtomicFile.WriteAllText(config, RsyslogConfig(settings, dir, bootstrap, host, port, key));
        var clock = Stopwatch.StartNew();
        using var rsyslog = StartProcess("rsyslogd", ["-n", "-f", config, "-i", Path.Combine(dir, "rsyslogd.pid")], dir);
        try
        {
            var (first, seconds) = await WaitForListAsync(db, key, settings.Records, clock, ct, rsyslog);
            double cpu = CpuSeconds(rsyslog);
            await db.KeyDeleteAsync(key);
            return new Run($"rsyslog {RsyslogVersion()} (imkafka → mmjsonparse → omhiredis)", settings.Records, seconds, first, cpu, bytes);
        }
        finally
        {
            Stop(rsyslog);
        }
    }

    /// <summary>The peer's configuration: one imkafka input in its own consumer group from the earliest offset, a
    /// ruleset queue in memory, mmjsonparse on the whole message (no @cee cookie), and omhiredis pushing the parsed
    /// JSON with RPUSH (userpush), as the connector does.</summary>
    public static string RsyslogConfig(Settings settings, string dir, string bootstrap, string redisHost, int redisPort, string key) => $$"""
        global(workDirectory="{{dir}}" maxMessageSize="64k")
        module(load="imkafka")
        module(load="mmjsonparse")
        module(load="omhiredis")
        template(name="json" type="string" string="%$!all-json%")
        input(type="imkafka" topic="{{Topic}}" broker=["{{bootstrap}}"] consumergroup="bench-rsyslog"
              confParam=["auto.offset.reset=smallest", "fetch.message.max.bytes=4194304"] ruleset="pipe")
        ruleset(name="pipe" queue.type="LinkedList" queue.size="{{Math.Max(100_000, settings.Records)}}"
                queue.dequeueBatchSize="{{settings.BatchSize}}" queue.workerThreads="{{settings.RsyslogWorkers}}") {
          action(type="mmjsonparse" cookie="")
          action(type="omhiredis" server="{{redisHost}}" serverport="{{redisPort}}" mode="queue" userpush="on" key="{{key}}" template="json")
        }

        """;

    private static async Task<(double First, double Seconds)> WaitForListAsync(IDatabase db, string key, long records, Stopwatch clock,
        CancellationToken ct, Process? process = null)
    {
        double first = double.NaN;
        long last = 0;
        var lastGrowth = clock.Elapsed;
        while (true)
        {
            long length = await db.ListLengthAsync(key);
            if (length > 0 && double.IsNaN(first))
                first = clock.Elapsed.TotalSeconds;
            if (length >= records)
                return (first, clock.Elapsed.TotalSeconds);
            if (length != last)
            {
                last = length;
                lastGrowth = clock.Elapsed;
            }
            if (clock.Elapsed - lastGrowth > TimeSpan.FromSeconds(120))
                throw new CliException($"{key}: stuck at {length:N0} of {records:N0} events for 120 s");
            if (process is { HasExited: true })
                throw new CliException($"{key}: the process exited with {process.ExitCode} at {length:N0} of {records:N0} events");
            await Task.Delay(2, ct);
        }
    }

    private static async Task<long> FillAsync(string bootstrap, Settings settings, CancellationToken ct)
    {
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = bootstrap }))
            await admin.CreateTopicsAsync([new NewTopic(Topic, settings.Partitions)], ct);
        long bytes = 0;
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = bootstrap, LingerMs = 5, BatchSize = 256 * 1024, AllowAutoCreateTopics = false });
        KafkaException? error = null;
        for (long i = 0; i < settings.Records; i++)
        {
            var value = Event(i);
            bytes += value.Length;
            producer.Produce(Topic, null, value, report =>
            {
                if (!report.IsSuccess)
                    Interlocked.CompareExchange(ref error, report.Error, null);
            });
        }
        await producer.FlushAsync(ct);
        if (error is not null)
            throw new CliException("filling the topic failed: " + error.Message);
        return bytes;
    }

    /// <summary>A JSON log line of about 150 bytes.</summary>
    public static byte[] Event(long i) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $$"""{"n":{{i}},"service":"checkout","level":"{{(i % 10 == 0 ? "WARN" : "INFO")}}","host":"web-{{i % 8:D2}}","message":"GET /api/items/{{i % 100_000}} 200 in {{i % 97}} ms","trace":"{{i * 2654435761 % 4294967296:x8}}"}"""));

    private static string StartRedis(string work, List<Process> children)
    {
        int port = FreePort();
        string dir = Path.Combine(work, "redis");
        Directory.CreateDirectory(dir);
        children.Add(StartProcess("redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], dir));
        return $"127.0.0.1:{port}";
    }

    private static Process StartAppliance(Settings settings, string work, int kafkaPort, int httpPort)
    {
        string[] flags = ["--data-dir", Path.Combine(work, "data"), "--kafka-port", kafkaPort.ToString(CultureInfo.InvariantCulture),
            "--http-port", httpPort.ToString(CultureInfo.InvariantCulture)];
        if (settings.Appliance is { } appliance)
        {
            // Another build's IngestHub.Server.dll (or an executable), to compare versions in one run.
            return appliance.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
                ? StartProcess("dotnet", [appliance, .. flags], work)
                : StartProcess(appliance, flags, work);
        }
        string self = Environment.ProcessPath ?? throw new CliException("cannot tell how this CLI was started; pass --appliance");
        return Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? StartProcess(self, [typeof(PipelineBenchmark).Assembly.Location, "serve", .. flags], work)
            : StartProcess(self, ["serve", .. flags], work);
    }

    private static Process StartProcess(string file, IEnumerable<string> args, string directory)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new CliException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CliException($"could not start {file}: {ex.Message}");
        }
        // Drain the output so the child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>User + system CPU of a live process, from /proc (Linux).</summary>
    private static double CpuSeconds(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private static string RsyslogVersion()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("rsyslogd", "-v") { RedirectStandardOutput = true, UseShellExecute = false });
            string line = p?.StandardOutput.ReadLine() ?? "";
            p?.WaitForExit(5000);
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 1 ? parts[1] : "";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    private static (string Host, int Port) Endpoint(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        return colon > 0 ? (endpoint[..colon], int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture)) : (endpoint, 6379);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task<HttpStatusCode?> TryGetAsync(HttpClient http, string path, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), ct);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
                throw new CliException($"timed out waiting for {what}");
            await Task.Delay(100, ct);
        }
    }
}
