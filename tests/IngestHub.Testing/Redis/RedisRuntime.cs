namespace IngestHub.Testing.Redis;

/// <summary>Where a test's redis-server runs.</summary>
public enum RedisRuntime
{
    /// <summary>In a container when a Docker engine answers, else as a child process; INGESTHUB_TEST_REDIS=container
    /// or =process forces one for every such server.</summary>
    Auto,

    /// <summary>A child process on a free loopback port (cheap to start: for servers a single test throws away, and
    /// for cluster and Sentinel nodes, which announce their own addresses).</summary>
    Process,

    /// <summary>A container from <see cref="RedisTestImage"/> (fails when no Docker engine answers).</summary>
    Container,
}
