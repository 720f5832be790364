namespace IngestHub.Connectors.Redis;

/// <summary>Where and how <see cref="RedisClient"/> connects.</summary>
public sealed class RedisOptions
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 6379;

    /// <summary>ACL user (Redis 6+); with <see cref="Password"/> sends <c>AUTH user password</c>.</summary>
    public string? Username { get; init; }

    /// <summary>Sends <c>AUTH password</c> (or <c>AUTH user password</c>) on every new connection.</summary>
    public string? Password { get; init; }

    /// <summary>Database selected with <c>SELECT</c> on every new connection.</summary>
    public int Database { get; init; }

    public bool UseTls { get; init; }

    /// <summary>PEM file of CA certificates trusted for the server certificate in addition to the system store.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>Total time to establish a connection, reconnect attempts included.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time for one command or pipeline to be written and all its replies read.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many connections are open; callers beyond it wait for one.</summary>
    public int PoolSize { get; init; } = 4;

    /// <summary>First wait between failed connect attempts; doubles up to <see cref="ReconnectMaxBackoff"/>.</summary>
    public TimeSpan ReconnectInitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectMaxBackoff { get; init; } = TimeSpan.FromSeconds(1);
}
