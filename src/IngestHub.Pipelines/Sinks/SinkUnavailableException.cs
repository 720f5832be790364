namespace IngestHub.Pipelines.Sinks;

/// <summary>The sink cannot take the batch now (connection refused, timeout, 5xx on the whole request). The
/// runtime retries with exponential backoff and jitter and pauses consumption meanwhile.</summary>
public sealed class SinkUnavailableException : Exception
{
    public SinkUnavailableException() { }
    public SinkUnavailableException(string message) : base(message) { }
    public SinkUnavailableException(string message, Exception inner) : base(message, inner) { }
}
