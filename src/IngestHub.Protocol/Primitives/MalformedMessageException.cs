namespace IngestHub.Protocol.Primitives;

/// <summary>A request or response body that does not parse. The connection that sent it is closed.</summary>
public sealed class MalformedMessageException : Exception
{
    public MalformedMessageException() { }
    public MalformedMessageException(string message) : base(message) { }
    public MalformedMessageException(string message, Exception inner) : base(message, inner) { }
}
