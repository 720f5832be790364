using IngestHub.Storage;
using IngestHub.Storage.Compaction;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Logs;

/// <summary>
/// The background log cleaner: rolls compacted logs whose active segment is older than segment.ms (the cleaner
/// never touches the active segment), then cleans the log with the highest dirty ratio among those that need it,
/// one at a time on its own thread. A failing log is logged at Warning with its error kept on the log
/// (<see cref="PartitionLog.CleanerError"/>) and retried at a later pass; other logs keep being cleaned.
/// </summary>
public sealed class LogCleanerLoop(TopicRegistry topics, BrokerOptions options, ILogger<LogCleanerLoop> logger)
{
    private readonly LogCleaner _cleaner = new(new CleanerOptions
    {
        DedupeBufferSize = options.LogCleanerDedupeBufferSize,
        IoMaxBytesPerSecond = options.LogCleanerIoMaxBytesPerSecond ?? double.MaxValue,
        BackoffMs = options.LogCleanerBackoffMs,
    }, logger);

    /// <summary>Cleans completed since start (for tests and metrics).</summary>
    public long CleansCompleted => Interlocked.Read(ref _cleans);
    private long _cleans;

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(Math.Max(10, options.LogCleanerBackoffMs));
        while (!cancellationToken.IsCancellationRequested)
        {
            bool cleaned = false;
            try
            {
                cleaned = RunPass(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Log cleaner pass failed; retrying in {Backoff}", backoff);
            }
            if (!cleaned && cancellationToken.WaitHandle.WaitOne(backoff))
                return;
        }
    }

    /// <summary>One pass: rolls due segments, cleans the dirtiest log that needs it. True when a log was cleaned.</summary>
    public bool RunPass(long nowMs, CancellationToken cancellationToken)
    {
        PartitionLog? dirtiest = null;
        double dirtiestRatio = -1;
        foreach (var log in topics.PartitionLogs.OfType<PartitionLog>()) // compaction rewrites segment files
        {
            if (!log.Config.Compact)
                continue;
            log.RollIfDue(nowMs);
            if (!LogCleaner.NeedsCleaning(log, nowMs))
                continue;
            double ratio = LogCleaner.DirtyRatio(log);
            if (ratio > dirtiestRatio)
            {
                dirtiest = log;
                dirtiestRatio = ratio;
            }
        }
        if (dirtiest is null)
            return false;
        try
        {
            var result = _cleaner.Clean(dirtiest, nowMs, cancellationToken);
            dirtiest.CleanerError = null;
            if (result.Cleaned)
                Interlocked.Increment(ref _cleans);
            return result.Cleaned;
        }
        catch (SegmentGoneException ex)
        {
            logger.LogInformation("{Log}: {Reason}; cleaning again later", dirtiest.Name, ex.Message);
            return false;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or ObjectDisposedException)
        {
            dirtiest.CleanerError = ex.Message;
            logger.LogWarning(ex, "Cleaning {Log} failed; it is retried at a later pass", dirtiest.Name);
            return false;
        }
    }
}
