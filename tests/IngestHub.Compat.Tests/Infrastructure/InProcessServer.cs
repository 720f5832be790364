using IngestHub.Broker;
using IngestHub.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>The appliance host started inside the test process on 127.0.0.1 with free ports and a temporary data directory.</summary>
public sealed class InProcessServer : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("ingesthub-compat-inproc-").FullName;
    private WebApplication? _app;

    public KafkaBroker Broker => _app?.Services.GetRequiredService<KafkaBroker>() ?? throw new InvalidOperationException("not started");

    public string Bootstrap => $"{Broker.AdvertisedHost}:{Broker.AdvertisedPort}";

    public int KafkaPort => Broker.AdvertisedPort;

    public async ValueTask InitializeAsync()
    {
        _app = IngestHubApp.Build(["--data-dir", _dataDir, "--kafka-host", "127.0.0.1", "--advertised-host", "127.0.0.1",
            "--kafka-port", "0", "--http-host", "127.0.0.1", "--http-port", "0"]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StartAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _app.StopAsync(deadline.Token);
            }
            finally
            {
                await _app.DisposeAsync();
            }
        }
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
