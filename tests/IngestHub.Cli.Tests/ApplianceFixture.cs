using IngestHub.Broker;
using IngestHub.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

[assembly: AssemblyFixture(typeof(IngestHub.Cli.Tests.ApplianceFixture))]

namespace IngestHub.Cli.Tests;

/// <summary>One in-process appliance on free ports shared by the test assembly.</summary>
public sealed class ApplianceFixture : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ingesthub-cli-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;

    public string Bootstrap { get; private set; } = "";

    /// <summary>The HTTP API's base address (http://127.0.0.1:port).</summary>
    public string HttpUrl { get; private set; } = "";

    public string DataDir => _dir;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _app = IngestHubApp.Build(["--data-dir", _dir, "--kafka-port", "0", "--http-port", "0", "--broker:GroupInitialRebalanceDelayMs=0"]);
        await _app.StartAsync();
        Bootstrap = $"127.0.0.1:{_app.Services.GetRequiredService<KafkaBroker>().AdvertisedPort}";
        HttpUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
