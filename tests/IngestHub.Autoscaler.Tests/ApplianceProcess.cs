using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Autoscaler.TestAppliance;

namespace IngestHub.Autoscaler.Tests;

/// <summary>
/// The test appliance (<see cref="TestAppliance.TestAppliance"/>: the real one plus the <c>slow-redis</c> output)
/// as a child process on fixed free ports over one data directory, so it can be SIGKILLed and started again where
/// it left off. Its output is kept for failure messages and for phase markers.
/// </summary>
public sealed class ApplianceProcess : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ingesthub-autoscaler-").FullName;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private Process? _process;

    public ApplianceProcess()
    {
        KafkaPort = FreePort();
        HttpPort = FreePort();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int KafkaPort { get; }
    public int HttpPort { get; }
    public string Bootstrap => $"127.0.0.1:{KafkaPort}";
    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (_outputLock)
                return _output.ToString();
        }
    }

    /// <summary>Starts on the same data directory and ports and waits until broker, connectors and autoscaler answer.</summary>
    public async Task StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "IngestHub.Autoscaler.TestAppliance.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        psi.ArgumentList.Add(dll);
        foreach (string arg in (string[])["--data-dir", Path.Combine(_root, "data"), "--config-dir", _root,
                     "--kafka-host", "127.0.0.1", "--advertised-host", "127.0.0.1", "--kafka-port", Str(KafkaPort),
                     "--http-host", "127.0.0.1", "--http-port", Str(HttpPort),
                     "--monitoring:SampleIntervalSeconds=1", "--broker:GroupInitialRebalanceDelayMs=0"])
            psi.ArgumentList.Add(arg);
        foreach (string key in psi.Environment.Keys.ToArray())
            if (key.StartsWith("INGESTHUB", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            psi.Environment[key] = value;
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        Append("--- start" + (environment is null ? "" : " with " + string.Join(' ', environment.Select(e => $"{e.Key}={e.Value}"))));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (string path in (string[])["readyz", "connectors", "api/autoscaler"])
        {
            while (true)
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"the appliance exited with {process.ExitCode}\n{Output}");
                try
                {
                    using var response = await Http.GetAsync(path);
                    if (response.StatusCode == HttpStatusCode.OK)
                        break;
                }
                catch (HttpRequestException)
                {
                }
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"the appliance did not answer {path}\n{Output}");
                await Task.Delay(100);
            }
        }
    }

    /// <summary>SIGKILL: nothing is flushed, closed or committed.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is null || process.HasExited)
            return;
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        process.WaitForExit(10_000);
        Append("--- killed");
        process.Dispose();
        _process = null;
    }

    public async Task<JsonObject> GetJsonAsync(string path) =>
        (await Http.GetFromJsonAsync<JsonObject>(path)) ?? throw new InvalidOperationException($"GET {path} returned null");

    public bool Printed(string text) => Output.Contains(text, StringComparison.Ordinal);

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_outputLock)
        {
            _output.AppendLine(line);
            if (_output.Length > 512 * 1024)
                _output.Remove(0, 256 * 1024);
        }
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        Http.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
