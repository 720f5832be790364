using IngestHub.Testing.Redis;

[assembly: AssemblyFixture(typeof(IngestHub.Streams.Tests.BrokerFixture))]

namespace IngestHub.Streams.Tests;

/// <summary>One appliance in-process (its broker) shared by the tests of this assembly, and a real redis-server (a container when a Docker engine answers, else a child process).</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private ApplianceHost? _appliance;
    private RedisServer? _redis;

    public string Bootstrap => _appliance!.Bootstrap;

    public ApplianceHost Appliance => _appliance!;

    public RedisServer Redis => _redis!;

    public async ValueTask InitializeAsync()
    {
        _appliance = await ApplianceHost.StartAsync("--broker:GroupMinSessionTimeoutMs=1000", "--num-partitions", "3");
        _redis = await RedisServer.StartAsync(new RedisServerOptions());
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
            await _redis.DisposeAsync();
        if (_appliance is not null)
            await _appliance.DisposeAsync();
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
