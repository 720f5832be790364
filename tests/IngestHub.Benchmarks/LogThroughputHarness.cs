using System.Diagnostics;
using System.Globalization;
using IngestHub.Protocol.Records;
using IngestHub.Storage;

namespace IngestHub.Benchmarks;

/// <summary>
/// Command-line throughput runs of the partition log:
/// <c>log-append --record-size 100 --batch 1000 --fsync false --mb 512 --dir /tmp/x [--seconds 20]</c> and
/// <c>log-read --dir /tmp/x [--max-bytes 1048576] [--seconds 20]</c> (reads what log-append wrote).
/// </summary>
internal static class LogThroughputHarness
{
    public static int Run(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
            options[args[i].TrimStart('-')] = args[i + 1];
        string Get(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;
        string dir = Get("dir", Path.Combine(Path.GetTempPath(), "ingesthub-log-bench"));
        double seconds = double.Parse(Get("seconds", "20"), CultureInfo.InvariantCulture);
        return args[0] switch
        {
            "log-append" => Append(dir,
                int.Parse(Get("record-size", "100"), CultureInfo.InvariantCulture),
                int.Parse(Get("batch", "1000"), CultureInfo.InvariantCulture),
                bool.Parse(Get("fsync", "false")),
                long.Parse(Get("mb", "512"), CultureInfo.InvariantCulture),
                seconds),
            "log-read" => Read(dir, int.Parse(Get("max-bytes", "1048576"), CultureInfo.InvariantCulture), seconds),
            _ => 2,
        };
    }

    private static int Append(string dir, int recordSize, int batchRecords, bool fsync, long megabytes, double seconds)
    {
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
        string partitionDir = Path.Combine(dir, "bench-0");
        byte[] batch = BenchBatch.Build(batchRecords, recordSize, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var config = new LogConfig { MaxMessageBytes = Math.Max(batch.Length, 1048588), FsyncBeforeAcknowledge = fsync };
        long target = megabytes * 1024 * 1024;
        long bytes = 0, appends = 0;
        using (var log = PartitionLog.Open(partitionDir, config))
        {
            var watch = Stopwatch.StartNew();
            while (bytes < target && watch.Elapsed.TotalSeconds < seconds)
            {
                var result = log.Append(batch);
                if (!result.Succeeded)
                {
                    Console.Error.WriteLine("append failed: " + result.Error);
                    return 1;
                }
                bytes += batch.Length;
                appends++;
            }
            if (!fsync)
                log.Flush(); // count getting the bytes to disk, as fio's end_fsync does
            watch.Stop();
            Report("log-append", $"record-size={recordSize} batch={batchRecords} fsync={fsync.ToString().ToLowerInvariant()}",
                appends * batchRecords, bytes, watch.Elapsed, $"appends={appends} ({appends / watch.Elapsed.TotalSeconds:F0}/s)");
        }
        return 0;
    }

    private static int Read(string dir, int maxBytes, double seconds)
    {
        string partitionDir = Path.Combine(dir, "bench-0");
        using var log = PartitionLog.Open(partitionDir, new LogConfig(), cleanShutdown: true);
        var buffer = new byte[Math.Max(maxBytes, 16 * 1024 * 1024)];
        long offset = log.LogStartOffset, records = 0, bytes = 0;
        var watch = Stopwatch.StartNew();
        while (offset < log.HighWatermark && watch.Elapsed.TotalSeconds < seconds)
        {
            using var result = log.Read(offset, maxBytes);
            result.CopyTo(buffer);
            var span = buffer.AsSpan(0, result.Length);
            // Walk batch headers only (what a fetch path needs to know), not records.
            while (!span.IsEmpty)
            {
                RecordBatchHeader.TryRead(span, out var header);
                records += header.RecordCount;
                offset = header.LastOffset + 1;
                span = span[header.TotalSize..];
            }
            bytes += result.Length;
        }
        watch.Stop();
        Report("log-read", $"max-bytes={maxBytes}", records, bytes, watch.Elapsed, "");
        return 0;
    }

    private static void Report(string mode, string parameters, long records, long bytes, TimeSpan elapsed, string extra)
    {
        double s = elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode} {parameters}: {records / s:F0} records/s, {bytes / s / (1024 * 1024):F1} MB/s ({bytes / (1024.0 * 1024):F0} MB in {s:F2} s) {extra}"));
    }
}
