using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Logs;

/// <summary>
/// Whether the log directory takes writes. A failed write (disk full, read-only or failing disk) marks its area as
/// failing ("append to logs-0", "offset commit of group g", "log flush and retention") until a write of that same
/// area succeeds, or until <see cref="ForgetAfter"/> passes without another failure there: on a nearly full disk
/// one small write can still land in a partly used page while others fail, so a success elsewhere says nothing.
/// Meanwhile Produce answers KAFKA_STORAGE_ERROR where its append fails and reads go on. The first failure is
/// logged at Warning with its cause, repeats at most every <see cref="RepeatLogInterval"/> with their count, and
/// the recovery once.
/// </summary>
public sealed class StorageHealth(ILogger logger, TimeProvider? time = null)
{
    public static readonly TimeSpan RepeatLogInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Error, long LastMs)> _failing = new(StringComparer.Ordinal);
    private StorageStatus _status = StorageStatus.Healthy;
    private long _failuresTotal;
    private long _unloggedFailures;
    private long _lastLoggedMs;

    /// <summary>The current state (cheap: read by every health request).</summary>
    public StorageStatus Status
    {
        get
        {
            var status = Volatile.Read(ref _status);
            if (status.Error is not null && _time.GetUtcNow().ToUnixTimeMilliseconds() - status.LastFailureMs >= ForgetAfter.TotalMilliseconds)
                status = Refresh();
            return status with { FailuresTotal = Interlocked.Read(ref _failuresTotal) };
        }
    }

    public bool IsFailing => Status.Error is not null;

    /// <summary>Records a failed write of <paramref name="what"/> (e.g. "append to logs-0").</summary>
    public void Failed(string what, Exception error)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Interlocked.Increment(ref _failuresTotal);
        lock (_lock)
        {
            var status = _status;
            string message = $"{what}: {error.Message}";
            bool first = status.Error is null;
            _failing[what] = (message, now);
            Volatile.Write(ref _status, new StorageStatus(message, first ? now : status.SinceMs, now, status.Failures + 1, 0));
            if (first)
            {
                logger.LogWarning(error, "Storage failing: {What} failed; produce is answered KAFKA_STORAGE_ERROR until writes succeed again", what);
                _lastLoggedMs = now;
                _unloggedFailures = 0;
            }
            else if (now - _lastLoggedMs >= RepeatLogInterval.TotalMilliseconds)
            {
                logger.LogWarning("Storage still failing: {Count} more failed writes in the last {Seconds} s, latest {What}: {Error}",
                    _unloggedFailures + 1, (now - _lastLoggedMs) / 1000, what, error.Message);
                _lastLoggedMs = now;
                _unloggedFailures = 0;
            }
            else
                _unloggedFailures++;
        }
    }

    /// <summary>Records a successful write of <paramref name="what"/>: clears that area's failure.</summary>
    public void Succeeded(string what)
    {
        if (Volatile.Read(ref _status).Error is null)
            return;
        lock (_lock)
        {
            if (_failing.Remove(what))
                Refresh();
        }
    }

    /// <summary>Drops areas whose last failure is older than <see cref="ForgetAfter"/> and recomputes the status
    /// (the latest failure of those left, or healthy).</summary>
    private StorageStatus Refresh()
    {
        lock (_lock)
        {
            var status = _status;
            if (status.Error is null)
                return status;
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            (string Error, long LastMs)? latest = null;
            foreach (var (what, failure) in _failing.ToList())
            {
                if (now - failure.LastMs >= ForgetAfter.TotalMilliseconds)
                    _failing.Remove(what);
                else if (latest is null || failure.LastMs > latest.Value.LastMs)
                    latest = failure;
            }
            if (latest is { } l)
            {
                status = status with { Error = l.Error, LastFailureMs = l.LastMs };
            }
            else
            {
                logger.LogWarning("Storage writes succeed again after {Failures} failed writes over {Seconds} s (last error: {Error})",
                    status.Failures, (now - status.SinceMs) / 1000, status.Error);
                status = StorageStatus.Healthy;
            }
            Volatile.Write(ref _status, status);
            return status;
        }
    }
}

/// <summary>Storage state for the health API and dashboard: <see cref="Error"/> is null when writes succeed; else
/// the latest failure, since when storage has been failing and how many writes failed since then.</summary>
public sealed record StorageStatus(string? Error, long SinceMs, long LastFailureMs, long Failures, long FailuresTotal)
{
    public static readonly StorageStatus Healthy = new(null, 0, 0, 0, 0);
}
