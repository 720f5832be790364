namespace IngestHub.Testing.Redis;

/// <summary>redis-server exited or its container stopped before answering (usually: the port was taken meanwhile).</summary>
public sealed class RedisStartException : Exception
{
    public RedisStartException() { }
    public RedisStartException(string message) : base(message) { }
    public RedisStartException(string message, Exception inner) : base(message, inner) { }
}
