namespace IngestHub.Streams;

/// <summary>Thrown by a basic bolt to fail the input tuple (its tree is failed and the spout replays it).</summary>
public class FailedException : Exception
{
    public FailedException()
    {
    }

    public FailedException(string message) : base(message)
    {
    }

    public FailedException(string message, Exception inner) : base(message, inner)
    {
    }
}
