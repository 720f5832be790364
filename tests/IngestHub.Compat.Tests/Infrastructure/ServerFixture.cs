using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>One out-of-process server shared by the tests of a class; each test uses its own topics.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("fixture not initialized");

    public string Bootstrap => Server.BootstrapServers;

    public async ValueTask InitializeAsync() => _server = await ServerProcess.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
