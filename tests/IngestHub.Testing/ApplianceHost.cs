using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Broker;
using IngestHub.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace IngestHub.Testing;

/// <summary>
/// The whole appliance (broker, pipelines, HTTP API) in-process on free loopback ports over a temporary data dir.
/// Stop and start again on the same data dir to prove restarts; the Kafka port is kept across restarts.
/// </summary>
public sealed class ApplianceHost : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private readonly Action<WebApplicationBuilder>? _configure;
    private WebApplication? _app;
    private int _kafkaPort;

    private ApplianceHost(string dataDir, string[] extraArgs, Action<WebApplicationBuilder>? configure)
    {
        DataDir = dataDir;
        _extraArgs = extraArgs;
        _configure = configure;
    }

    public string DataDir { get; }
    public string Bootstrap => $"127.0.0.1:{_kafkaPort}";
    public Uri HttpBase { get; private set; } = new("http://127.0.0.1/");
    public HttpClient Http { get; private set; } = new();
    public KafkaBroker Broker => _app!.Services.GetRequiredService<KafkaBroker>();
    public IServiceProvider Services => _app!.Services;

    public static Task<ApplianceHost> StartAsync(params string[] extraArgs) => StartAsync(null, extraArgs);

    /// <summary>With <paramref name="configure"/> adding services (e.g. a test sink type) before the host is built.</summary>
    public static async Task<ApplianceHost> StartAsync(Action<WebApplicationBuilder>? configure, params string[] extraArgs)
    {
        string dir = Path.Combine(Path.GetTempPath(), "ingesthub-appliance-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var host = new ApplianceHost(dir, extraArgs, configure);
        await host.StartAsync();
        return host;
    }

    public async Task StartAsync()
    {
        var args = new List<string>
        {
            "--data-dir", Path.Combine(DataDir, "data"),
            "--config-dir", DataDir,
            "--kafka-port", _kafkaPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--http-port", "0",
            "--broker:GroupInitialRebalanceDelayMs=0",
        };
        args.AddRange(_extraArgs);
        _app = IngestHubApp.Build([.. args], _configure);
        await _app.StartAsync();
        _kafkaPort = Broker.AdvertisedPort;
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        HttpBase = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        Http = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Graceful stop: connectors drain and commit, the broker writes its clean-shutdown marker.</summary>
    public async Task StopAsync()
    {
        if (_app is null)
            return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
        Http.Dispose();
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public async Task<JsonObject> GetJsonAsync(string path) =>
        (await Http.GetFromJsonAsync<JsonObject>(path)) ?? throw new InvalidOperationException($"GET {path} returned null");

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
