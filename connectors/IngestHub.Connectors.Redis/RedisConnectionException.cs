namespace IngestHub.Connectors.Redis;

/// <summary>The transport failed: connect refused or timed out, the connection broke, a command timed out, or
/// the server sent bytes that are not RESP. The connection is discarded; whether a command in flight was
/// applied is unknown.</summary>
public sealed class RedisConnectionException : Exception
{
    public RedisConnectionException() { }
    public RedisConnectionException(string message) : base(message) { }
    public RedisConnectionException(string message, Exception inner) : base(message, inner) { }
}
