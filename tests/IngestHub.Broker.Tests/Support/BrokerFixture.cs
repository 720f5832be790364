using IngestHub.Broker;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IngestHub.Broker.Tests.Support;

/// <summary>A broker on a free loopback port over a temporary data dir; restartable on the same dir.</summary>
public sealed class BrokerFixture : IAsyncDisposable
{
    private BrokerFixture(string dataDir, Action<BrokerOptions>? configure)
    {
        DataDir = dataDir;
        Configure = configure;
    }

    public string DataDir { get; }
    private Action<BrokerOptions>? Configure { get; }
    public KafkaBroker Broker { get; private set; } = null!;
    public int Port => Broker.AdvertisedPort;

    public static async Task<BrokerFixture> StartAsync(Action<BrokerOptions>? configure = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "ingesthub-broker-tests", Guid.NewGuid().ToString("N"));
        var fixture = new BrokerFixture(dir, configure);
        await fixture.StartBrokerAsync();
        return fixture;
    }

    private async Task StartBrokerAsync()
    {
        var options = new BrokerOptions { DataDir = DataDir, Port = 0, GroupInitialRebalanceDelayMs = 0 };
        Configure?.Invoke(options);
        Broker = new KafkaBroker(options, NullLoggerFactory.Instance);
        await Broker.StartAsync();
    }

    public async Task RestartAsync()
    {
        await Broker.DisposeAsync();
        await StartBrokerAsync();
    }

    public Task<RawKafkaClient> ConnectAsync() => RawKafkaClient.ConnectAsync(Port);

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
