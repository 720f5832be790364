namespace IngestHub.Streams;

/// <summary>Like <see cref="FailedException"/>, and the error is also shown on the component's status.</summary>
public class ReportedFailedException : FailedException
{
    public ReportedFailedException()
    {
    }

    public ReportedFailedException(string message) : base(message)
    {
    }

    public ReportedFailedException(string message, Exception inner) : base(message, inner)
    {
    }
}
