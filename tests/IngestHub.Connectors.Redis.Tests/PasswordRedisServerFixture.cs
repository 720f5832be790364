using IngestHub.Testing.Redis;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>A shared redis-server started with <c>--requirepass</c>.</summary>
public sealed class PasswordRedisServerFixture : RedisServerFixture
{
    public const string Secret = "s3cret-pass";

    protected override RedisServerOptions Options => new() { Password = Secret };
}
