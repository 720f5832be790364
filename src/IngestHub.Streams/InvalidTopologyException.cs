namespace IngestHub.Streams;

/// <summary>A topology that cannot run as defined (unknown input, undeclared stream, a window longer than the
/// message timeout…); the message says what and where.</summary>
public sealed class InvalidTopologyException : Exception
{
    public InvalidTopologyException()
    {
    }

    public InvalidTopologyException(string message) : base(message)
    {
    }

    public InvalidTopologyException(string message, Exception inner) : base(message, inner)
    {
    }
}
