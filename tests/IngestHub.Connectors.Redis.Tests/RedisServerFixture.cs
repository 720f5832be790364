namespace IngestHub.Connectors.Redis.Tests;

/// <summary>One redis-server shared by the tests of a class.</summary>
public class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    protected virtual string? Password => null;

    public RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _server = await RedisServer.StartAsync(Password);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A redis-server started with <c>--requirepass</c>.</summary>
public sealed class PasswordRedisServerFixture : RedisServerFixture
{
    public const string Secret = "s3cret-pass";

    protected override string? Password => Secret;
}
