using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>
/// The built IngestHub Server running as a child process on 127.0.0.1 with its own temporary data directory.
/// It can be killed (SIGKILL), stopped gracefully (SIGTERM) and started again on the same data directory and port.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private const int OutputLimit = 256 * 1024;

    private readonly string _root;
    private readonly string[] _extraArgs;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private Process? _process;
    private TaskCompletionSource<int> _ready = NewReady();

    private ServerProcess(string[] extraArgs)
    {
        _root = Directory.CreateTempSubdirectory("ingesthub-compat-").FullName;
        DataDir = Path.Combine(_root, "data");
        Directory.CreateDirectory(DataDir);
        _extraArgs = extraArgs;
    }

    public string DataDir { get; }

    /// <summary>The Kafka port; fixed after the first start so that restarts keep it.</summary>
    public int KafkaPort { get; private set; }

    public string BootstrapServers => $"127.0.0.1:{KafkaPort.ToString(CultureInfo.InvariantCulture)}";

    public bool IsRunning => _process is { HasExited: false };

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("not started");

    /// <summary>Recent stdout and stderr of every run, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
                return _output.ToString();
        }
    }

    /// <summary>Starts a server with extra flags (e.g. "--fsync-on-acks-all", "true") and waits until its listener is ready.</summary>
    public static async Task<ServerProcess> StartAsync(params string[] extraArgs)
    {
        var server = new ServerProcess(extraArgs);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Starts (again) on the same data directory and, after the first start, the same port.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
            throw new InvalidOperationException("server is already running");
        string dll = RepoLayout.ServerDll;
        if (!File.Exists(dll))
            throw new FileNotFoundException($"server not built at {dll} (build the solution in {RepoLayout.Configuration} first)", dll);

        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // A working directory without ingesthub.yaml, so only the flags configure the server.
            WorkingDirectory = _root,
        };
        psi.ArgumentList.Add(dll);
        foreach (string arg in (string[])["--data-dir", DataDir, "--kafka-host", "127.0.0.1", "--advertised-host", "127.0.0.1",
                     "--kafka-port", KafkaPort.ToString(CultureInfo.InvariantCulture), "--http-host", "127.0.0.1", "--http-port", "0"])
            psi.ArgumentList.Add(arg);
        foreach (string arg in _extraArgs)
            psi.ArgumentList.Add(arg);
        foreach (string key in psi.Environment.Keys.ToArray())
        {
            if (key.StartsWith("INGESTHUB__", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        // This start's own source: the Exited event of a server killed just before can still be on its way.
        var ready = _ready = NewReady();
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("server exited before it was ready"));
        Append($"--- start {string.Join(' ', psi.ArgumentList)}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        try
        {
            int port = await ready.Task.WaitAsync(ReadyTimeout);
            KafkaPort = port;
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            Kill();
            throw new InvalidOperationException($"server did not become ready: {ex.Message}\n{Output}", ex);
        }
    }

    /// <summary>SIGKILL: no chance to flush or close anything.</summary>
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
            // Exited meanwhile.
        }
        process.WaitForExit(10_000);
        Append("--- killed");
    }

    /// <summary>SIGTERM and wait for the host to shut down; falls back to SIGKILL at the deadline.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        var process = _process;
        if (process is null || process.HasExited)
            return;
        var kill = await ChildProcess.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            Append($"--- stopped, exit code {process.ExitCode}");
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"server did not stop after SIGTERM ({kill.Describe()})\n{Output}");
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>Resident memory of the server process in bytes.</summary>
    public long WorkingSetBytes()
    {
        var process = _process ?? throw new InvalidOperationException("not started");
        process.Refresh();
        return process.WorkingSet64;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        await Task.Yield();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open must not fail the test run; the temp dir is cleaned by the OS eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        line = AnsiEscape().Replace(line, "");
        Append(line);
        var match = ReadyLine().Match(line);
        if (match.Success)
            _ready.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private void Append(string line)
    {
        lock (_outputLock)
        {
            _output.AppendLine(line);
            if (_output.Length > OutputLimit)
                _output.Remove(0, _output.Length - OutputLimit / 2);
        }
    }

    private static TaskCompletionSource<int> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    [GeneratedRegex(@"Kafka listener ready on \S+:(\d+)")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
