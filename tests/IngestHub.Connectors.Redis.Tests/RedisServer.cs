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

    private RedisServer(int port, string? password, bool tls)
    {
        Port = port;
        Password = password;
        _directory = Directory.CreateTempSubdirectory("ingesthub-redis-").FullName;
        if (tls)
            Certificates = TestCertificates.Write(_directory);
    }

    public int Port { get; }
    public bool Durable { get; private init; }

    public string? Password { get; }

    /// <summary>Set when the server only listens with TLS (on <see cref="Port"/>).</summary>
    public TestCertificates? Certificates { get; }

    /// <param name="durable">appendonly with fsync on every write, so what redis acknowledged survives a SIGKILL.</param>
    public static async Task<RedisServer> StartAsync(string? password = null, bool tls = false, bool durable = false)
    {
        // A free port can be taken between probing and binding; try a few.
        for (int attempt = 1; ; attempt++)
        {
            var server = new RedisServer(FreePort(), password, tls) { Durable = durable };
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
        UseTls = Certificates is not null,
        TlsCaFile = Certificates?.CaFile,
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
        string[] listen = Certificates is { } certificates
            ? ["--port", "0", "--tls-port", Port.ToString(), "--tls-cert-file", certificates.ServerCertFile, "--tls-key-file", certificates.ServerKeyFile, "--tls-ca-cert-file", certificates.CaFile, "--tls-auth-clients", "no"]
            : ["--port", Port.ToString()];
        foreach (var arg in listen)
            start.ArgumentList.Add(arg);
        foreach (var arg in new[] { "--bind", "127.0.0.1", "--save", "", "--appendonly", Durable ? "yes" : "no", "--appendfsync", "always", "--dir", _directory, "--enable-debug-command", "local" })
            start.ArgumentList.Add(arg);
        if (Password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(Password);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        // Drain the output so a chatty server never blocks on a full pipe.
        _ = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();

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

    /// <summary>Freezes (SIGSTOP) or thaws (SIGCONT) the server: connections stay open but nothing is answered.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process!.Id.ToString()]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -{signal} failed with {kill.ExitCode}");
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
