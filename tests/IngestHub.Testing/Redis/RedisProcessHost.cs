using System.Collections.Concurrent;
using System.Diagnostics;

namespace IngestHub.Testing.Redis;

/// <summary>redis-server as a child process of the test host.</summary>
internal sealed class RedisProcessHost(IReadOnlyList<string> arguments) : IRedisHost
{
    public const string Executable = "/usr/bin/redis-server";
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public string? ContainerId => null;

    public string? Failure => _process is { HasExited: true } p ? $"redis-server exited with {p.ExitCode}" : null;

    public Task StartAsync()
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException("already running");
        _process?.Dispose();
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        // Drain the output so a chatty server never blocks on a full pipe; keep the tail for failure messages.
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        return Task.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 40)
            _output.TryDequeue(out _);
    }

    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited)
            return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public Task FreezeAsync() => SignalAsync("STOP");

    public Task ThawAsync() => SignalAsync("CONT");

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -{signal} failed with {kill.ExitCode}");
    }

    public Task<string> OutputAsync() => Task.FromResult(string.Join('\n', _output));

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
