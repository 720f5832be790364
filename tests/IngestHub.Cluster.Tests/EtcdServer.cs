using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IngestHub.Cluster.Tests;

/// <summary>Debian's etcd (/usr/bin/etcd) as a child process on free loopback ports with its own data directory.</summary>
public sealed class EtcdServer : IAsyncDisposable
{
    private readonly Process _process;

    private EtcdServer(Process process, string root, int clientPort)
    {
        _process = process;
        Root = root;
        Endpoint = $"http://127.0.0.1:{clientPort.ToString(CultureInfo.InvariantCulture)}";
    }

    public string Root { get; }
    public string Endpoint { get; }

    public static async Task<EtcdServer> StartAsync()
    {
        string root = Directory.CreateTempSubdirectory("ingesthub-etcd-").FullName;
        int clientPort = FreePort(), peerPort = FreePort();
        string client = $"http://127.0.0.1:{clientPort.ToString(CultureInfo.InvariantCulture)}";
        string peer = $"http://127.0.0.1:{peerPort.ToString(CultureInfo.InvariantCulture)}";
        var psi = new ProcessStartInfo("/usr/bin/etcd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (string arg in (string[])["--name", "test", "--data-dir", Path.Combine(root, "data"), "--listen-client-urls", client,
                     "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                     "--initial-cluster", "test=" + peer])
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start etcd");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new EtcdServer(process, root, clientPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(server.Endpoint + "/health"));
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), () => "etcd did not become healthy");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
