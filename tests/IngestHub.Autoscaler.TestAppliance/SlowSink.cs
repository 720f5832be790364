using System.Collections.Concurrent;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;

namespace IngestHub.Autoscaler.TestAppliance;

/// <summary>
/// A sink that takes a fixed time per event before handing the batch to the real one — a downstream whose cost grows
/// with the batch, as indexing does. The wait is asynchronous, so parallel workers overlap it. A batch holding an
/// event from one of the <c>stall.partitions</c> hangs (a stuck consumer) until <see cref="ReleaseStalls"/> is called
/// for the connector or the worker is aborted.
/// </summary>
public sealed class SlowSink(string connector, ISink inner, TimeSpan perEvent, IReadOnlySet<int> stallPartitions) : ISink
{
    private static readonly ConcurrentDictionary<string, CancellationTokenSource> s_release = new(StringComparer.Ordinal);

    /// <summary>Ends the connector's stalls for good (in-process tests call it before stopping the appliance).</summary>
    public static void ReleaseStalls(string connector) => s_release.GetOrAdd(connector, _ => new CancellationTokenSource()).Cancel();

    public ValueTask StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

    public async ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken)
    {
        if (stallPartitions.Count > 0 && batch.Any(e => stallPartitions.Contains(e.Source.Partition)))
        {
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, s_release.GetOrAdd(connector, _ => new CancellationTokenSource()).Token);
            try
            {
                await Task.Delay(Timeout.Infinite, stall.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // released
            }
        }
        await Task.Delay(perEvent * batch.Count, cancellationToken);
        return await inner.WriteAsync(batch, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
