using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Network;

/// <summary>
/// A Warning that may repeat at a high rate (refused connections under a flood): at most one line per interval is
/// written, and each written line says how many occurrences were left out since the previous one.
/// </summary>
internal sealed class RateLimitedWarning(ILogger logger, TimeSpan interval)
{
    private long _nextAllowedMs;
    private long _suppressed;

    public void Log(string message, params object?[] args)
    {
        long now = Environment.TickCount64;
        long next = Interlocked.Read(ref _nextAllowedMs);
        if (now < next || Interlocked.CompareExchange(ref _nextAllowedMs, now + (long)interval.TotalMilliseconds, next) != next)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }
        long suppressed = Interlocked.Exchange(ref _suppressed, 0);
#pragma warning disable CA2254 // the template is a constant of the caller plus a fixed suffix
        logger.LogWarning(message + " ({Suppressed} more like this since the last such line)", [.. args, suppressed]);
#pragma warning restore CA2254
    }
}
