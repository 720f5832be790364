using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace IngestHub.Testing;

/// <summary>
/// The built appliance (src/IngestHub.Server) as a child process on loopback with its own temporary config and
/// data directories, for crash tests: <see cref="Kill"/> is SIGKILL (nothing flushed or closed), and
/// <see cref="StartAsync()"/> again reuses the directories and the Kafka port.
/// </summary>
public sealed partial class ApplianceProcess : IAsyncDisposable
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private const int OutputLimit = 512 * 1024;

    private readonly string[] _extraArgs;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private Process? _process;
    private TaskCompletionSource<int> _kafkaReady = NewSource();
    private TaskCompletionSource<int> _httpReady = NewSource();

    private ApplianceProcess(string[] extraArgs)
    {
        Root = Directory.CreateTempSubdirectory("ingesthub-appliance-").FullName;
        DataDir = Path.Combine(Root, "data");
        ConfigDir = Path.Combine(Root, "config");
        Directory.CreateDirectory(DataDir);
        Directory.CreateDirectory(ConfigDir);
        _extraArgs = extraArgs;
    }

    public string Root { get; }

    public string DataDir { get; }

    /// <summary>The config directory: put <c>pipelines/</c> and <c>topologies/</c> here before starting.</summary>
    public string ConfigDir { get; }

    public int KafkaPort { get; private set; }

    public int HttpPort { get; private set; }

    public string Bootstrap => $"127.0.0.1:{KafkaPort.ToString(CultureInfo.InvariantCulture)}";

    public Uri HttpBase => new($"http://127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}/");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running process's id (for SIGSTOP/SIGCONT); 0 when not running.</summary>
    public int ProcessId => _process is { HasExited: false } process ? process.Id : 0;

    public string Output
    {
        get
        {
            lock (_outputLock)
                return _output.ToString();
        }
    }

    /// <summary>The server's dll next to this configuration's build output.</summary>
    public static string ServerDll
    {
        get
        {
            string configuration = typeof(ApplianceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "IngestHub.sln")))
                    return Path.Combine(dir.FullName, "src", "IngestHub.Server", "bin", configuration, "net10.0", "IngestHub.Server.dll");
            }
            throw new InvalidOperationException($"no IngestHub.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Creates the directories without starting (to add config files first).</summary>
    public static ApplianceProcess Create(params string[] extraArgs) => new(extraArgs);

    public async Task StartAsync()
    {
        if (IsRunning)
            throw new InvalidOperationException("already running");
        string dll = ServerDll;
        if (!File.Exists(dll))
            throw new FileNotFoundException($"the appliance is not built at {dll}", dll);
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in (string[])["--data-dir", DataDir, "--config-dir", ConfigDir, "--kafka-host", "127.0.0.1", "--advertised-host", "127.0.0.1",
                     "--kafka-port", KafkaPort.ToString(CultureInfo.InvariantCulture), "--http-host", "127.0.0.1",
                     "--http-port", HttpPort.ToString(CultureInfo.InvariantCulture), "--broker:GroupInitialRebalanceDelayMs=0"])
            psi.ArgumentList.Add(arg);
        foreach (var arg in _extraArgs)
            psi.ArgumentList.Add(arg);
        foreach (string key in psi.Environment.Keys.ToArray())
        {
            if (key.StartsWith("INGESTHUB__", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
        }
        // This start's own sources: the Exited event of a process killed just before can still be on its way, and
        // must not fail the start of the next one.
        var kafkaReady = _kafkaReady = NewSource();
        var httpReady = _httpReady = NewSource();
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            kafkaReady.TrySetException(new InvalidOperationException("the appliance exited before it was ready"));
            httpReady.TrySetException(new InvalidOperationException("the appliance exited before it was ready"));
        };
        Append("--- start " + string.Join(' ', psi.ArgumentList));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            KafkaPort = await kafkaReady.Task.WaitAsync(ReadyTimeout);
            HttpPort = await httpReady.Task.WaitAsync(ReadyTimeout);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            Kill();
            throw new InvalidOperationException($"the appliance did not become ready: {ex.Message}\n{Output}", ex);
        }
    }

    /// <summary>SIGKILL and wait for the process to be gone.</summary>
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
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        await Task.Yield();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        line = AnsiEscape().Replace(line, "");
        Append(line);
        if (KafkaLine().Match(line) is { Success: true } kafka)
            _kafkaReady.TrySetResult(int.Parse(kafka.Groups[1].Value, CultureInfo.InvariantCulture));
        if (HttpLine().Match(line) is { Success: true } http)
            _httpReady.TrySetResult(int.Parse(http.Groups[1].Value, CultureInfo.InvariantCulture));
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

    private static TaskCompletionSource<int> NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [GeneratedRegex(@"Kafka listener ready on \S+:(\d+)")]
    private static partial Regex KafkaLine();

    [GeneratedRegex(@"Now listening on: http://[^:\s]+:(\d+)")]
    private static partial Regex HttpLine();

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
