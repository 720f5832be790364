using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Sinks;

/// <summary>
/// Where a pipeline delivers events. <see cref="WriteAsync"/> returns only when every event of the batch is
/// either stored or permanently rejected (a rejected event goes to the dead-letter topic). A sink retries
/// transient per-event failures (throttling) itself; when it cannot deliver at all (down, timing out) it
/// throws <see cref="SinkUnavailableException"/> and the runtime retries the batch with backoff while
/// consumption pauses. Offsets are committed only after WriteAsync returned.
/// </summary>
public interface ISink : IAsyncDisposable
{
    /// <summary>Connects and prepares (e.g. creates an index template); may throw SinkUnavailableException.</summary>
    ValueTask StartAsync(CancellationToken cancellationToken);

    ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken);
}
