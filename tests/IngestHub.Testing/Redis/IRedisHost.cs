namespace IngestHub.Testing.Redis;

/// <summary>Runs one redis-server listening on a fixed loopback port: as a child process or in a container.</summary>
internal interface IRedisHost : IAsyncDisposable
{
    /// <summary>Starts the server, or starts it again after <see cref="KillAsync"/> (same port, same data).</summary>
    Task StartAsync();

    /// <summary>The container's id, or null for a child process.</summary>
    string? ContainerId { get; }

    /// <summary>Null while the server may still come up; the reason once it cannot (exited: port taken?).</summary>
    string? Failure { get; }

    /// <summary>SIGKILL, and wait until it is gone.</summary>
    Task KillAsync();

    /// <summary>Stops answering with connections left open (SIGSTOP / cgroup freeze), and back.</summary>
    Task FreezeAsync();

    Task ThawAsync();

    /// <summary>The server's recent output, for failure messages.</summary>
    Task<string> OutputAsync();
}
