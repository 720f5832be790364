using IngestHub.Testing.Redis;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>A shared TLS-only redis-server that also requires a client certificate from its CA.</summary>
public sealed class MutualTlsRedisServerFixture : RedisServerFixture
{
    protected override RedisServerOptions Options => new() { Tls = true, RequireClientCertificate = true };
}
