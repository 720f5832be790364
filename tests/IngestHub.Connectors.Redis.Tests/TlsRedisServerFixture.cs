using IngestHub.Testing.Redis;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>A shared redis-server listening with TLS only, certificates from a throw-away CA.</summary>
public sealed class TlsRedisServerFixture : RedisServerFixture
{
    protected override RedisServerOptions Options => new() { Tls = true };
}
