using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>
/// One out-of-process server for consumer-group tests: six partitions per auto-created topic and a short initial
/// rebalance delay, so members started together land in one generation without slowing every test down.
/// </summary>
public sealed class GroupServerFixture : IAsyncLifetime
{
    public static readonly string[] Flags = ["--num-partitions", "6", "--broker:GroupInitialRebalanceDelayMs=1000"];

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("fixture not initialized");

    public string Bootstrap => Server.BootstrapServers;

    public async ValueTask InitializeAsync() => _server = await ServerProcess.StartAsync(Flags);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
