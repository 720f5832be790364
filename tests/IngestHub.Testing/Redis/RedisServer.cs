using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngestHub.Testing.Docker;
using StackExchange.Redis;

namespace IngestHub.Testing.Redis;

/// <summary>
/// A real redis-server for a test, on a free 127.0.0.1 port with no persistence (unless durable): in a container
/// when a Docker engine answers (Testcontainers, image built locally by <see cref="RedisTestImage"/>), else as a
/// child process with its own temp directory. It can be killed (SIGKILL), frozen and started again on the same
/// port. <see cref="DatabaseAsync"/> gives the test a StackExchange.Redis admin connection to look at what the
/// code under test stored. Dispose kills it and removes its container or directory.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The port redis-server listens on inside its container (published on <see cref="Port"/>).</summary>
    public const int ContainerPort = 6379;

    private readonly IRedisHost _host;
    private readonly string _directory;
    private readonly SemaphoreSlim _adminLock = new(1, 1);
    private ConnectionMultiplexer? _admin;

    private RedisServer(IRedisHost host, RedisRuntime runtime, int port, string directory, RedisServerOptions options, TestCertificates? certificates)
    {
        _host = host;
        Runtime = runtime;
        Port = port;
        _directory = directory;
        Options = options;
        Certificates = certificates;
    }

    /// <summary><see cref="RedisRuntime.Process"/> or <see cref="RedisRuntime.Container"/>: where it actually runs.</summary>
    public RedisRuntime Runtime { get; }

    public int Port { get; }

    /// <summary>The container's id when <see cref="Runtime"/> is Container.</summary>
    public string? ContainerId => _host.ContainerId;

    public string Endpoint => $"127.0.0.1:{Port}";

    public RedisServerOptions Options { get; }

    public string? Password => Options.Password;

    /// <summary>Set when the server listens with TLS only.</summary>
    public TestCertificates? Certificates { get; }

    /// <summary>Where <paramref name="runtime"/> Auto resolves to on this machine (INGESTHUB_TEST_REDIS overrides).</summary>
    public static async Task<RedisRuntime> ResolveAsync(RedisRuntime runtime)
    {
        var forced = Environment.GetEnvironmentVariable("INGESTHUB_TEST_REDIS");
        if (forced is { Length: > 0 })
        {
            runtime = forced.ToLowerInvariant() switch
            {
                "process" => RedisRuntime.Process,
                "container" => runtime == RedisRuntime.Process ? RedisRuntime.Process : RedisRuntime.Container,
                _ => throw new InvalidOperationException($"INGESTHUB_TEST_REDIS={forced}: expected process or container"),
            };
        }
        if (runtime == RedisRuntime.Auto)
            runtime = await DockerEngine.DetectAsync() is null ? RedisRuntime.Process : RedisRuntime.Container;
        if (runtime == RedisRuntime.Container && await DockerEngine.DetectAsync() is null)
            throw new InvalidOperationException("a Redis container was asked for but no Docker engine answers (DOCKER_HOST or /var/run/docker.sock)");
        return runtime;
    }

    public static async Task<RedisServer> StartAsync(RedisServerOptions? options = null)
    {
        options ??= new RedisServerOptions();
        if (options.Sentinel && options.Runtime != RedisRuntime.Process)
            options = options with { Runtime = RedisRuntime.Process };
        var runtime = await ResolveAsync(options.Runtime);
        string? image = runtime == RedisRuntime.Container ? await RedisTestImage.EnsureAsync() : null;
        // A free port can be taken between probing and binding; try a few.
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort();
            string directory = Directory.CreateTempSubdirectory("ingesthub-redis-").FullName;
            var certificates = options.Tls ? TestCertificates.Write(directory) : null;
#pragma warning disable CA2000 // the server owns its host and disposes it, also when the start below fails
            var server = image is null
                ? new RedisServer(new RedisProcessHost(ProcessArguments(options, port, directory, certificates)), runtime, port, directory, options, certificates)
                : new RedisServer(new RedisContainerHost(image, port, ContainerArguments(options, certificates), ContainerFiles(certificates)), runtime, port, directory, options, certificates);
#pragma warning restore CA2000
            try
            {
                await server.RestartAsync();
                return server;
            }
            catch (Exception e)
            {
                await server.DisposeAsync();
                if (e is not RedisStartException || attempt >= 5)
                    throw;
            }
        }
    }

    private static List<string> CommonArguments(RedisServerOptions options)
    {
        var arguments = new List<string> { "--save", "", "--appendonly", options.Durable ? "yes" : "no", "--appendfsync", "always", "--enable-debug-command", "local" };
        if (options.Password is { } password)
            arguments.AddRange(["--requirepass", password]);
        arguments.AddRange(options.Arguments);
        return arguments;
    }

    private static List<string> ListenArguments(int port, TestCertificates? certificates, string certificateDirectory, bool requireClientCertificate)
    {
        if (certificates is null)
            return ["--port", port.ToString(CultureInfo)];
        string Path(string file) => certificateDirectory + "/" + System.IO.Path.GetFileName(file);
        return ["--port", "0", "--tls-port", port.ToString(CultureInfo), "--tls-cert-file", Path(certificates.ServerCertFile), "--tls-key-file", Path(certificates.ServerKeyFile),
            "--tls-ca-cert-file", Path(certificates.CaFile), "--tls-auth-clients", requireClientCertificate ? "yes" : "no"];
    }

    private static List<string> ProcessArguments(RedisServerOptions options, int port, string directory, TestCertificates? certificates)
    {
        var arguments = new List<string>();
        if (options.Sentinel)
        {
            // Sentinel rewrites its configuration file, so it needs one of its own.
            string config = System.IO.Path.Combine(directory, "sentinel.conf");
            File.WriteAllText(config, "");
            arguments.AddRange([config, "--sentinel"]);
        }
        arguments.AddRange(ListenArguments(port, certificates, directory, options.RequireClientCertificate));
        arguments.AddRange(["--bind", "127.0.0.1", "--dir", directory]);
        arguments.AddRange(options.Sentinel ? options.Arguments : CommonArguments(options));
        return arguments;
    }

    private static List<string> ContainerArguments(RedisServerOptions options, TestCertificates? certificates)
    {
        // Inside its own network namespace; only the published 127.0.0.1 port reaches it.
        var arguments = ListenArguments(ContainerPort, certificates, "/tls", options.RequireClientCertificate);
        arguments.AddRange(["--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data"]);
        arguments.AddRange(CommonArguments(options));
        return arguments;
    }

    private static Dictionary<string, string> ContainerFiles(TestCertificates? certificates)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (certificates is not null)
        {
            foreach (var file in new[] { certificates.CaFile, certificates.ServerCertFile, certificates.ServerKeyFile })
                files["/tls/" + System.IO.Path.GetFileName(file)] = file;
        }
        return files;
    }

    private static IFormatProvider CultureInfo => System.Globalization.CultureInfo.InvariantCulture;

    /// <summary>Options for a StackExchange.Redis connection to this server (TLS trusting its CA, client
    /// certificate when required), for tests' own look-ups.</summary>
    public ConfigurationOptions Configuration(bool withPassword = true)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            AllowAdmin = true,
            ConnectTimeout = 5000,
            AsyncTimeout = 10_000,
            SyncTimeout = 10_000,
            Password = withPassword ? Password : null,
            ReconnectRetryPolicy = new ExponentialRetry(50, 500),
        };
        options.EndPoints.Add(IPAddress.Loopback, Port);
        if (Certificates is { } certificates)
        {
            options.Ssl = true;
            options.SslHost = "localhost";
            options.TrustIssuer(certificates.CaFile);
            if (Options.RequireClientCertificate)
                options.SetUserPemCertificate(certificates.ClientCertFile, certificates.ClientKeyFile);
        }
        return options;
    }

    /// <summary>The test's admin connection (one per server, reconnecting by itself after a restart).</summary>
    public async Task<IDatabase> DatabaseAsync(int database = 0)
    {
        await _adminLock.WaitAsync();
        try
        {
            _admin ??= await ConnectionMultiplexer.ConnectAsync(Configuration());
            return _admin.GetDatabase(database);
        }
        finally
        {
            _adminLock.Release();
        }
    }

    /// <summary>Starts the server (again) on the same port and waits until it answers PING.</summary>
    public async Task RestartAsync()
    {
        await _host.StartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await AnswersPingAsync())
        {
            if (_host.Failure is { } failure)
                throw new RedisStartException($"redis-server on {Endpoint} ({Runtime}) did not start: {failure}\n{await _host.OutputAsync()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"redis-server on {Endpoint} ({Runtime}) did not answer PING within 30 s\n{await _host.OutputAsync()}");
            await Task.Delay(20);
        }
    }

    /// <summary>One raw PING (no client library): +PONG, or -NOAUTH from a server with a password, means it is up.</summary>
    private async Task<bool> AnswersPingAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            Stream stream = tcp.GetStream();
            using var tls = Certificates is { } trusted ? new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) => IsIssuedByTestCa(certificate, trusted)) : null;
            if (tls is not null && Certificates is { } certificates)
            {
                using var clientCertificate = Options.RequireClientCertificate ? X509Certificate2.CreateFromPemFile(certificates.ClientCertFile, certificates.ClientKeyFile) : null;
                var authentication = new SslClientAuthenticationOptions { TargetHost = "localhost" };
                if (clientCertificate is not null)
                    authentication.ClientCertificates = [clientCertificate];
                await tls.AuthenticateAsClientAsync(authentication, timeout.Token);
                stream = tls;
            }
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var reply = new byte[64];
            int read = await stream.ReadAsync(reply, timeout.Token);
            var text = Encoding.ASCII.GetString(reply, 0, read);
            return text.StartsWith("+PONG", StringComparison.Ordinal) || text.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
    }

    private static bool IsIssuedByTestCa(X509Certificate? certificate, TestCertificates certificates)
    {
        if (certificate is null)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(certificates.CaFile));
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>SIGKILL: nothing is flushed or closed cleanly.</summary>
    public Task KillAsync() => _host.KillAsync();

    /// <summary>Stops answering while its connections stay open (SIGSTOP, or a paused container).</summary>
    public Task FreezeAsync() => _host.FreezeAsync();

    public Task ThawAsync() => _host.ThawAsync();

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
            await _admin.DisposeAsync();
        await _host.DisposeAsync();
        _adminLock.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
