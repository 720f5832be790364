using System.Globalization;
using IngestHub.Storage;
using IngestHub.Storage.Compaction;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>"compact &lt;partition-dir&gt; &lt;segment-bytes&gt; &lt;bytes-per-second&gt;": opens a compacted log and cleans it
/// at a throttled rate, printing "cleaning" before and "cleaned" after, so a test can SIGKILL it mid-clean.</summary>
internal static class CompactionRun
{
    public static int Run(string directory, int segmentBytes, double bytesPerSecond)
    {
        var config = new LogConfig { SegmentBytes = segmentBytes, MinCleanableDirtyRatio = 0 }.WithCleanupPolicy("compact");
        using var log = PartitionLog.Open(directory, config, cleanShutdown: false);
        var cleaner = new LogCleaner(new CleanerOptions { IoMaxBytesPerSecond = bytesPerSecond, IoBufferSize = 64 * 1024 }, NullLogger.Instance);
        using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        stdout.WriteLine("cleaning");
        var result = cleaner.Clean(log, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cleaned {result.Cleaned} {result.FirstDirtyOffset}"));
        return 0;
    }
}
