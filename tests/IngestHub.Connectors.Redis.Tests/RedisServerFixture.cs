using IngestHub.Testing.Redis;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>One redis-server shared by the tests of a class; in a container when a Docker engine answers (the
/// start cost is paid once per class), else a child process.</summary>
public class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    protected virtual RedisServerOptions Options => new();

    public RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _server = await RedisServer.StartAsync(Options);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
