namespace IngestHub.Connectors.Redis;

/// <summary>The server answered a command with an error reply (<c>-ERR …</c>, <c>-WRONGTYPE …</c>). The
/// connection stays usable.</summary>
public class RedisException : Exception
{
    public RedisException() { }
    public RedisException(string message) : base(message) { }
    public RedisException(string message, Exception inner) : base(message, inner) { }

    /// <summary>First word of the error reply (<c>ERR</c>, <c>WRONGTYPE</c>, <c>NOAUTH</c>…), when there is one.</summary>
    public string? ErrorPrefix { get; init; }
}
