using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IngestHub.Connectors.Redis.Resp;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>A real redis-server on a free loopback port with its own temp directory and no persistence;
/// can be killed and restarted on the same port. Killed and its directory removed on dispose.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private readonly string _directory;
    private Process? _process;

    private RedisServer(int port, string? password)
    {
        Port = port;
        Password = password;
        _directory = Directory.CreateTempSubdirectory("ingesthub-redis-").FullName;
    }

    public int Port { get; }

    public string? Password { get; }

    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        // A free port can be taken between probing and binding; try a few.
        for (int attempt = 1; ; attempt++)
        {
            var server = new RedisServer(FreePort(), password);
            try
            {
                await server.RestartAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                await server.DisposeAsync();
            }
        }
    }

    public RedisOptions Options(TimeSpan? timeout = null, int database = 0, bool withPassword = true) => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        Password = withPassword ? Password : null,
        Database = database,
        ConnectTimeout = timeout ?? TimeSpan.FromSeconds(5),
        CommandTimeout = timeout ?? TimeSpan.FromSeconds(5),
    };

    public RedisClient CreateClient(TimeSpan? timeout = null, int database = 0) => new(Options(timeout, database));

    /// <summary>Starts the process (again) on the same port and waits until it answers PING.</summary>
    public async Task RestartAsync()
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException("already running");
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory, "--enable-debug-command", "local" })
            start.ArgumentList.Add(arg);
        if (Password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(Password);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.StandardOutput.ReadToEndAsync().ContinueWith(_ => { }, TaskScheduler.Default).Ignore();
        _process.StandardError.ReadToEndAsync().ContinueWith(_ => { }, TaskScheduler.Default).Ignore();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        await using var probe = new RedisClient(Options(TimeSpan.FromMilliseconds(200)));
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} (port {Port} taken?)");
            try
            {
                var reply = await probe.ExecuteAsync(new RedisCommand("PING"));
                if (reply.Text == "PONG")
                    return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Kills the server (SIGKILL) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited)
            return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
