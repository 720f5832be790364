using IngestHub.Broker;
using IngestHub.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

[assembly: AssemblyFixture(typeof(IngestHub.Client.Tests.BrokerFixture))]

namespace IngestHub.Client.Tests;

/// <summary>One in-process broker on a free port shared by the test assembly.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private RunningBroker? _broker;

    public string BootstrapServers => _broker!.BootstrapServers;

    public async ValueTask InitializeAsync() => _broker = await RunningBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
            await _broker.DisposeAsync();
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}";
}

/// <summary>A broker started for a test (stoppable).</summary>
public sealed class RunningBroker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dir;
    private bool _stopped;

    private RunningBroker(WebApplication app, string dir, int port)
    {
        _app = app;
        _dir = dir;
        BootstrapServers = $"127.0.0.1:{port}";
    }

    public string BootstrapServers { get; }

    public KafkaBroker Broker => _app.Services.GetRequiredService<KafkaBroker>();

    public static async Task<RunningBroker> StartAsync(params string[] extraArgs)
    {
        string dir = Path.Combine(Path.GetTempPath(), "ingesthub-client-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var app = IngestHubApp.Build(["--data-dir", dir, "--kafka-port", "0", "--http-port", "0",
            "--broker:GroupInitialRebalanceDelayMs=0", "--broker:GroupMinSessionTimeoutMs=1000", .. extraArgs]);
        await app.StartAsync();
        var broker = app.Services.GetRequiredService<KafkaBroker>();
        return new RunningBroker(app, dir, broker.AdvertisedPort);
    }

    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
