using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>
/// A long-running child process (a kcat group member, say) whose stdout lines are collected as they arrive.
/// It can be killed (SIGKILL) or stopped (SIGTERM, so it can leave cleanly); disposing always kills it, and
/// every wait has a deadline.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private const int StdErrLimit = 64 * 1024;

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BackgroundProcess(Process process, string command)
    {
        _process = process;
        Command = command;
    }

    public string Command { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>How many stdout lines arrived so far.</summary>
    public int LineCount
    {
        get
        {
            lock (_gate)
                return _lines.Count;
        }
    }

    public string StdErr
    {
        get
        {
            lock (_gate)
                return _stderr.ToString();
        }
    }

    /// <summary>A copy of the stdout lines from <paramref name="start"/> on.</summary>
    public List<string> Lines(int start = 0)
    {
        lock (_gate)
            return start >= _lines.Count ? [] : _lines.GetRange(start, _lines.Count - start);
    }

    public static BackgroundProcess Start(string fileName, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string arg in args)
            psi.ArgumentList.Add(arg);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var background = new BackgroundProcess(process, fileName + " " + string.Join(' ', args));
        process.OutputDataReceived += (_, e) => background.OnStdOut(e.Data);
        process.ErrorDataReceived += (_, e) => background.OnStdErr(e.Data);
        if (!process.Start())
            throw new InvalidOperationException($"could not start {background.Command}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    /// <summary>Waits until at least <paramref name="count"/> lines arrived; false at the deadline or when the process
    /// exited with fewer.</summary>
    public async Task<bool> WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (LineCount < count)
        {
            if (stopwatch.Elapsed > timeout || (_process.HasExited && _stdoutClosed.Task.IsCompleted))
                return LineCount >= count;
            await Task.Delay(50, CancellationToken.None);
        }
        return true;
    }

    /// <summary>SIGKILL: the process gets no chance to leave its group or commit.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM and wait for a clean exit (kcat commits and leaves its group); SIGKILL at the deadline.
    /// Returns whether it exited by itself.</summary>
    public async Task<bool> StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited)
            return true;
        await ChildProcess.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        bool clean = true;
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            clean = false;
            Kill();
        }
        await DrainAsync();
        return clean;
    }

    /// <summary>The exit code once exited.</summary>
    public int ExitCode => _process.ExitCode;

    public string Describe(int maxChars = 3000)
    {
        string stderr = StdErr;
        return $"`{Command}` exited={_process.HasExited} lines={LineCount}\n--- stderr ---\n" +
            (stderr.Length <= maxChars ? stderr : "…" + stderr[^maxChars..]);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await DrainAsync();
        _process.Dispose();
    }

    /// <summary>After exit the readers still deliver buffered lines; wait for both streams to close, bounded.</summary>
    private async Task DrainAsync() =>
        await Task.WhenAny(Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));

    private void OnStdOut(string? line)
    {
        if (line is null)
        {
            _stdoutClosed.TrySetResult();
            return;
        }
        lock (_gate)
            _lines.Add(line);
    }

    private void OnStdErr(string? line)
    {
        if (line is null)
        {
            _stderrClosed.TrySetResult();
            return;
        }
        lock (_gate)
        {
            _stderr.AppendLine(line);
            if (_stderr.Length > StdErrLimit)
                _stderr.Remove(0, _stderr.Length - StdErrLimit / 2);
        }
    }
}
