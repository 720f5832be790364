namespace IngestHub.Logging;

/// <summary>What happens to a log event when the shipping queue is full (the broker is slow or unreachable).</summary>
public enum QueueFullMode
{
    /// <summary>The new event is dropped; what is queued is kept (the default, as OpenTelemetry's batch processor and Vector's <c>drop_newest</c>).</summary>
    DropNewest,
    /// <summary>The oldest queued event is dropped to make room for the new one.</summary>
    DropOldest,
}
