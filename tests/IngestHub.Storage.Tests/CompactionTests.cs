using System.Diagnostics;
using System.Globalization;
using System.Text;
using IngestHub.Protocol.Records;
using IngestHub.Storage.Compaction;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>Log compaction on real segment files: latest value per key, tombstones and their delete horizon, the
/// active segment left alone, and crashes (injected at every swap step, and SIGKILL of a cleaning process).</summary>
public sealed class CompactionTests : IDisposable
{
    private const int Keys = 1000;
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        SegmentSwap.StepHook = null;
        _temp.Dispose();
    }

    private static LogConfig Compacted(int segmentBytes, long deleteRetentionMs = 60_000) =>
        new LogConfig { SegmentBytes = segmentBytes, DeleteRetentionMs = deleteRetentionMs, MinCleanableDirtyRatio = 0 }.WithCleanupPolicy("compact");

    private static string Key(int k) => "key-" + k.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>Appends <paramref name="count"/> updates: update i sets key i % 1000 to "v-i". Batches of 1,000 records.</summary>
    private static void AppendUpdates(PartitionLog log, long from, long count, long timestamp, CompressionType compression = CompressionType.None)
    {
        using var builder = new RecordBatchBuilder(compression, 64 * 1024);
        for (long i = from; i < from + count; i++)
        {
            builder.Append(timestamp, Encoding.UTF8.GetBytes(Key((int)(i % Keys))), Encoding.UTF8.GetBytes("v-" + i.ToString(CultureInfo.InvariantCulture)));
            if (builder.Count == 1000 || i == from + count - 1)
            {
                var result = log.Append(builder.ToArray());
                Assert.True(result.Succeeded, result.Error + " " + result.Message);
                builder.Reset();
            }
        }
    }

    /// <summary>One record in a fresh active segment, so the updates before it all lie in sealed segments.</summary>
    private static void AppendTail(PartitionLog log, long timestamp)
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(timestamp, Encoding.UTF8.GetBytes("tail"), Encoding.UTF8.GetBytes("tail"));
        Assert.True(log.Append(builder.ToArray()).Succeeded);
    }

    private static void AppendTombstones(PartitionLog log, IEnumerable<int> keys, long timestamp)
    {
        using var builder = new RecordBatchBuilder();
        foreach (int k in keys)
            builder.Append(timestamp, Encoding.UTF8.GetBytes(Key(k)), null);
        Assert.True(log.Append(builder.ToArray()).Succeeded);
    }

    /// <summary>Every record of the log in offset order: (offset, key, value or null).</summary>
    internal static List<(long Offset, string Key, string? Value)> ReadAll(PartitionLog log)
    {
        var records = new List<(long, string, string?)>();
        long offset = log.LogStartOffset;
        while (offset < log.LogEndOffset)
        {
            using var read = log.Read(offset, 4 * 1024 * 1024);
            Assert.Equal(Protocol.ErrorCode.None, read.Error);
            if (read.Length == 0)
                break;
            var bytes = new byte[read.Length];
            read.CopyTo(bytes);
            long next = offset;
            var span = bytes.AsSpan();
            while (!span.IsEmpty && RecordBatchHeader.TryValidate(span, out var header) == RecordBatchError.None)
            {
                var reader = new RecordBatchReader(span[..header.TotalSize], verifyCrc: true);
                try
                {
                    while (reader.MoveNext())
                    {
                        var r = reader.Current;
                        if (r.Offset >= offset)
                            records.Add((r.Offset, Encoding.UTF8.GetString(r.Key), r.IsValueNull ? null : Encoding.UTF8.GetString(r.Value)));
                    }
                    Assert.Equal(RecordBatchError.None, reader.Error);
                }
                finally
                {
                    reader.Dispose();
                }
                next = header.LastOffset + 1;
                span = span[header.TotalSize..];
            }
            Assert.True(next > offset, "read made no progress at " + offset);
            offset = next;
        }
        return records;
    }

    private static Dictionary<string, string?> Latest(IEnumerable<(long Offset, string Key, string? Value)> records)
    {
        var latest = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (_, key, value) in records)
            latest[key] = value;
        return latest;
    }

    private static Dictionary<string, string?> ExpectedAfter(long updates)
    {
        var expected = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (long i = Math.Max(0, updates - Keys); i < updates; i++)
            expected[Key((int)(i % Keys))] = "v-" + i.ToString(CultureInfo.InvariantCulture);
        return expected;
    }

    private static LogCleaner Cleaner(long dedupeBytes = 32L * 1024 * 1024) =>
        new(new CleanerOptions { DedupeBufferSize = dedupeBytes }, NullLogger.Instance);

    [Fact]
    public void A_million_updates_over_1000_keys_keep_the_1000_latest_values()
    {
        var clock = new ManualClock(1_700_000_000_000);
        string dir = _temp.Sub("million-0");
        const long Updates = 1_000_000;
        using (var log = PartitionLog.Open(dir, Compacted(2 * 1024 * 1024), time: clock))
        {
            AppendUpdates(log, 0, Updates, clock.NowMs, CompressionType.Lz4);
            Assert.True(log.RollIfDue(clock.NowMs + log.Config.SegmentMs + 1));
            long sizeBefore = log.Size;
            long endBefore = log.LogEndOffset;

            var result = Cleaner().Clean(log, clock.NowMs, TestContext.Current.CancellationToken);

            Assert.True(result.Cleaned, result.Reason);
            Assert.Equal(Updates - Keys, result.Stats.SupersededDropped);
            Assert.Equal(endBefore, log.LogEndOffset);
            Assert.True(log.Size < sizeBefore / 100, $"{log.Size} bytes after, {sizeBefore} before");
            var records = ReadAll(log);
            Assert.Equal(Keys, records.Count);
            Assert.Equal(ExpectedAfter(Updates), Latest(records));
            Assert.Equal([.. records.Select(r => r.Offset).Order()], records.Select(r => r.Offset));
        }
        // The cleaned log reopens (indexes and checkpoint) to the same content, and appends continue after it.
        using (var log = PartitionLog.Open(dir, Compacted(2 * 1024 * 1024), cleanShutdown: true, time: clock))
        {
            Assert.Equal(Updates, log.FirstDirtyOffset);
            Assert.Equal(ExpectedAfter(Updates), Latest(ReadAll(log)));
            AppendUpdates(log, Updates, 10, clock.NowMs);
            Assert.Equal(Updates + 10, log.LogEndOffset);
        }
    }

    [Fact]
    public void The_active_segment_is_never_cleaned()
    {
        var clock = new ManualClock(1_700_000_000_000);
        using var log = PartitionLog.Open(_temp.Sub("active-0"), Compacted(1024 * 1024), time: clock);
        AppendUpdates(log, 0, 5000, clock.NowMs);
        Assert.Single(log.SegmentSnapshot);

        var result = Cleaner().Clean(log, clock.NowMs, TestContext.Current.CancellationToken);

        Assert.False(result.Cleaned);
        Assert.Equal(5000, ReadAll(log).Count);
    }

    [Fact]
    public void Tombstones_hide_their_key_stay_for_delete_retention_then_go()
    {
        var clock = new ManualClock(1_700_000_000_000);
        const long RetentionMs = 60_000;
        using var log = PartitionLog.Open(_temp.Sub("tombstones-0"), Compacted(256 * 1024, RetentionMs), time: clock);
        AppendUpdates(log, 0, 20_000, clock.NowMs);
        var deleted = Enumerable.Range(0, Keys).Where(k => k % 2 == 0).ToList();
        AppendTombstones(log, deleted, clock.NowMs);
        Assert.True(log.RollIfDue(clock.NowMs + log.Config.SegmentMs + 1));
        var cleaner = Cleaner();

        var first = cleaner.Clean(log, clock.NowMs, TestContext.Current.CancellationToken);
        Assert.True(first.Cleaned, first.Reason);
        var afterFirst = Latest(ReadAll(log));
        Assert.Equal(Keys, afterFirst.Count);
        Assert.All(deleted, k => Assert.Null(afterFirst[Key(k)]));
        Assert.Equal(clock.NowMs + RetentionMs, log.TombstoneHorizonMs);
        Assert.False(LogCleaner.NeedsCleaning(log, clock.NowMs + RetentionMs - 1));

        // Before the horizon a clean keeps them; after it they go, and the older values never come back.
        cleaner.Clean(log, clock.NowMs + RetentionMs - 1, TestContext.Current.CancellationToken);
        Assert.Equal(Keys, ReadAll(log).Count);
        Assert.True(LogCleaner.NeedsCleaning(log, clock.NowMs + RetentionMs));
        var last = cleaner.Clean(log, clock.NowMs + RetentionMs, TestContext.Current.CancellationToken);

        Assert.Equal(deleted.Count, last.Stats.TombstonesDropped);
        var records = ReadAll(log);
        Assert.Equal(Keys - deleted.Count, records.Count);
        var expected = ExpectedAfter(20_000);
        foreach (int k in deleted)
            expected.Remove(Key(k));
        Assert.Equal(expected, Latest(records));
        Assert.Equal(long.MaxValue, log.TombstoneHorizonMs);
    }

    [Fact]
    public void Appends_without_a_key_are_refused_by_a_compacted_log()
    {
        using var log = PartitionLog.Open(_temp.Sub("keyless-0"), Compacted(1024 * 1024));
        using var builder = new RecordBatchBuilder();
        builder.Append(1, null, Encoding.UTF8.GetBytes("no key"));

        var result = log.Append(builder.ToArray());

        Assert.Equal(Protocol.ErrorCode.InvalidRecord, result.Error);
        Assert.Contains("without key", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, log.LogEndOffset);
    }

    [Theory]
    [InlineData("rename-old")]
    [InlineData("swap")]
    [InlineData("delete-old")]
    [InlineData("rename-swap")]
    [InlineData("done")]
    public void A_crash_at_any_swap_step_leaves_the_old_or_the_new_segments(string step)
    {
        var clock = new ManualClock(1_700_000_000_000);
        string dir = _temp.Sub("swap-0");
        const long Updates = 30_000;
        using (var log = PartitionLog.Open(dir, Compacted(128 * 1024), time: clock))
        {
            AppendUpdates(log, 0, Updates, clock.NowMs);
            Assert.True(log.RollIfDue(clock.NowMs + log.Config.SegmentMs + 1));
            AppendTail(log, clock.NowMs);
            SegmentSwap.StepHook = s =>
            {
                if (s == step)
                    throw new IOException("simulated crash at " + s);
            };
            // Before the commit point (the rename of .log.swap) the failure surfaces; after it, the log completes the
            // swap in place and the clean carries on. Either way the reopen below must see every latest value.
            try
            {
                Cleaner().Clean(log, clock.NowMs, TestContext.Current.CancellationToken);
                Assert.True(step is "delete-old" or "rename-swap", "the failure at " + step + " did not surface");
            }
            catch (IOException)
            {
            }
            SegmentSwap.StepHook = null;
        }
        using (var log = PartitionLog.Open(dir, Compacted(128 * 1024), cleanShutdown: false, time: clock))
        {
            Assert.Equal(ExpectedAfter(Updates), Latest(ReadAll(log).Where(r => r.Offset < Updates)));
            Assert.Equal(Updates + 1, log.LogEndOffset);
            Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".cleaned", StringComparison.Ordinal)
                || f.EndsWith(".swap", StringComparison.Ordinal) || f.EndsWith(".deleted", StringComparison.Ordinal));
            var result = Cleaner().Clean(log, clock.NowMs, TestContext.Current.CancellationToken);
            Assert.True(result.Cleaned || log.FirstDirtyOffset == Updates, result.Reason);
            var records = ReadAll(log);
            Assert.Equal(Keys + 1, records.Count);
            Assert.Equal(ExpectedAfter(Updates), Latest(records.Where(r => r.Offset < Updates)));
        }
    }

    [Fact]
    public async Task Sigkill_during_cleaning_loses_nothing()
    {
        string dir = _temp.Sub("sigkill-0");
        const int SegmentBytes = 256 * 1024;
        const long Updates = 200_000;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (var log = PartitionLog.Open(dir, Compacted(SegmentBytes)))
        {
            AppendUpdates(log, 0, Updates, now);
            Assert.True(log.RollIfDue(now + log.Config.SegmentMs + 3_600_000));
            AppendTail(log, now);
        }
        var expected = ExpectedAfter(Updates);
        // Several kills at random points of a slow clean (about 3 s for the whole log), then one clean to the end.
        int interrupted = 0;
        for (int round = 0; round < 4; round++)
        {
            bool completed = await RunCleanerProcess(dir, SegmentBytes, killAfterMs: round < 3 ? 300 + Random.Shared.Next(2000) : -1);
            if (!completed)
                interrupted++;
            using var log = PartitionLog.Open(dir, Compacted(SegmentBytes), cleanShutdown: false);
            var records = ReadAll(log);
            var latest = Latest(records.Where(r => r.Offset < Updates));
            Assert.Equal(expected, latest);
            Assert.Equal(Updates + 1, log.LogEndOffset);
            if (completed)
                Assert.Equal(Keys + 1, records.Count);
        }
        Assert.True(interrupted > 0, "no kill landed during a clean");
    }

    /// <summary>Runs the cleaner in a child process; SIGKILLs it <paramref name="killAfterMs"/> after it starts
    /// cleaning (-1: let it finish). True when it finished the clean.</summary>
    private static async Task<bool> RunCleanerProcess(string dir, int segmentBytes, int killAfterMs)
    {
        long logBytes = Directory.GetFiles(dir, "*.log").Sum(f => new FileInfo(f).Length);
        var start = new ProcessStartInfo("dotnet",
            [CrashWriterBuild.Dll(), "compact", dir, segmentBytes.ToString(CultureInfo.InvariantCulture),
             killAfterMs < 0 ? "1e12" : (logBytes / 1.5).ToString("F0", CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var ct = TestContext.Current.CancellationToken;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        bool completed = false;
        var lines = new List<string>();
        try
        {
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null)
            {
                if (line == "cleaning" && killAfterMs >= 0)
                {
                    await Task.Delay(killAfterMs, timeout.Token);
                    process.Kill();
                }
                lines.Add(line);
                completed |= line.StartsWith("cleaned", StringComparison.Ordinal);
            }
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
        if (killAfterMs < 0)
            Assert.True(process.ExitCode == 0 && completed, $"cleaner process failed (exit {process.ExitCode}): {string.Join(" | ", lines)} {await stderr}");
        return completed;
    }
}
