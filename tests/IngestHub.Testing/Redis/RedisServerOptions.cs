namespace IngestHub.Testing.Redis;

/// <summary>How <see cref="RedisServer"/> starts redis-server.</summary>
public sealed record RedisServerOptions
{
    public RedisRuntime Runtime { get; init; } = RedisRuntime.Auto;

    /// <summary><c>--requirepass</c>.</summary>
    public string? Password { get; init; }

    /// <summary>TLS only (no plain port), with a throw-away CA; <see cref="RequireClientCertificate"/> adds
    /// <c>--tls-auth-clients yes</c>.</summary>
    public bool Tls { get; init; }

    public bool RequireClientCertificate { get; init; }

    /// <summary>appendonly with fsync on every write, so what redis acknowledged survives a SIGKILL.</summary>
    public bool Durable { get; init; }

    /// <summary>More redis-server arguments (e.g. <c>--cluster-enabled yes</c>).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Starts <c>redis-server --sentinel</c> (child process only) with these arguments.</summary>
    public bool Sentinel { get; init; }
}
