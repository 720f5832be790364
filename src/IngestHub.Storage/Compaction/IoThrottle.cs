using System.Diagnostics;

namespace IngestHub.Storage.Compaction;

/// <summary>Keeps the cleaner's reads and writes under <c>log.cleaner.io.max.bytes.per.second</c> by sleeping when it is
/// ahead of the allowed rate (measured from the start of each clean).</summary>
internal sealed class IoThrottle(double bytesPerSecond)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _bytes;

    public void Consume(long bytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (bytesPerSecond >= double.MaxValue || bytes <= 0)
            return;
        _bytes += bytes;
        double aheadMs = _bytes / bytesPerSecond * 1000 - _clock.Elapsed.TotalMilliseconds;
        if (aheadMs >= 1)
        {
            cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(aheadMs, 10_000)));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
