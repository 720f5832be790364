using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IngestHub.Server.Tests;

/// <summary>A throwaway redis-server on a free port (no persistence), killed on dispose.</summary>
public sealed class RedisProcess : IDisposable
{
    public const string Executable = "/usr/bin/redis-server";
    private readonly Process _process;

    private RedisProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<RedisProcess> StartAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var process = Process.Start(new ProcessStartInfo(Executable, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return new RedisProcess(process, port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
