using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>
/// What every log engine must do, run against each (<see cref="DiskPartitionLogContractTests"/>,
/// <see cref="MemoryPartitionLogContractTests"/>): offsets, batch boundaries, reads across segments, the high
/// watermark, truncation, follower appends and leader epochs, lookup by time, retention and DeleteRecords.
/// </summary>
public abstract class PartitionLogContractTests : IDisposable
{
    protected const long T0 = 1_700_000_000_000;
    private protected ManualClock Clock { get; } = new(T0 + 1_000_000);
    private readonly List<IPartitionLog> _opened = [];

    /// <summary>A new, empty log of this engine.</summary>
    protected abstract IPartitionLog Create(LogConfig config);

    protected IPartitionLog Open(LogConfig? config = null)
    {
        var log = Create(config ?? new LogConfig());
        _opened.Add(log);
        return log;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        foreach (var log in _opened)
            log.Dispose();
    }

    private static readonly LogConfig SmallSegments = new() { SegmentBytes = 1024, IndexIntervalBytes = 100 };

    private static byte[] Values(int count, string prefix = "v", long baseTimestamp = T0) =>
        TestBatches.Build(baseTimestamp, 1, [.. Enumerable.Range(0, count).Select(i => prefix + i)]);

    private static byte[] Bytes(LogReadResult result)
    {
        var buffer = new byte[result.Length];
        result.CopyTo(buffer);
        return buffer;
    }

    private static byte[] AtOffset(byte[] batch, long baseOffset, int epoch)
    {
        var copy = (byte[])batch.Clone();
        RecordBatchHeader.SetBaseOffset(copy, baseOffset);
        RecordBatchHeader.SetPartitionLeaderEpoch(copy, epoch);
        return copy;
    }

    [Fact]
    public void Appends_get_consecutive_offsets_and_reads_return_the_records()
    {
        var log = Open();
        var first = log.Append(TestBatches.Build(T0, "a", "b", "c"));
        var second = log.AppendBatches([.. TestBatches.Build(T0, "d"), .. TestBatches.Build(T0, "e", "f")]);
        Assert.Equal((ErrorCode.None, 0L, 2L, 1), (first.Error, first.BaseOffset, first.LastOffset, first.BatchCount));
        Assert.Equal((ErrorCode.None, 3L, 5L, 2), (second.Error, second.BaseOffset, second.LastOffset, second.BatchCount));
        Assert.Equal(3, second.Header.BaseOffset);
        Assert.Equal((0L, 6L, 6L), (log.LogStartOffset, log.LogEndOffset, log.HighWatermark));
        Assert.False(log.HasReplicatedHighWatermark);
        var records = TestBatches.ReadAll(log, 0);
        Assert.Equal(["a", "b", "c", "d", "e", "f"], records.Select(r => r.Value));
        Assert.Equal([0L, 1, 2, 3, 4, 5], records.Select(r => r.Offset));
        Assert.Equal([0L, 3, 4], log.ReadBatchHeaders(0).Select(h => h.BaseOffset));
        Assert.Equal([3L, 4], log.ReadBatchHeaders(3).Select(h => h.BaseOffset));
    }

    [Fact]
    public void A_read_from_inside_a_batch_returns_that_whole_batch()
    {
        var log = Open();
        log.Append(TestBatches.Build(T0, "a", "b", "c"));
        log.Append(TestBatches.Build(T0, "d", "e"));
        Assert.Equal([0L, 1, 2, 3, 4], TestBatches.ReadAll(log, 1).Select(r => r.Offset));
        Assert.Equal([3L, 4], TestBatches.ReadAll(log, 4).Select(r => r.Offset));
    }

    [Fact]
    public void Reads_are_bounded_by_max_bytes_in_whole_batches_with_at_least_one()
    {
        var log = Open();
        var batch = Values(2);
        for (int i = 0; i < 5; i++)
            log.Append((byte[])batch.Clone());
        using (var small = log.Read(0, 10))
            Assert.Equal(batch.Length, small.Length);
        using (var none = log.Read(0, 10, minOneBatch: false))
            Assert.Equal(0, none.Length);
        using (var exact = log.Read(0, batch.Length * 2))
            Assert.Equal(batch.Length * 2, exact.Length);
        using (var three = log.Read(2, batch.Length * 3 + 5))
            Assert.Equal([2L, 3, 4, 5, 6, 7], TestBatches.Parse(Bytes(three)).Select(r => r.Offset));
    }

    [Fact]
    public void Reading_at_the_end_is_empty_and_outside_the_log_is_out_of_range()
    {
        var log = Open();
        log.Append(TestBatches.Build(T0, "a"));
        log.Append(TestBatches.Build(T0, "b"));
        using (var atEnd = log.Read(2, 1000))
            Assert.Equal((ErrorCode.None, 0, 2L), (atEnd.Error, atEnd.Length, atEnd.HighWatermark));
        using (var beyond = log.Read(3, 1000))
            Assert.Equal(ErrorCode.OffsetOutOfRange, beyond.Error);
        Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(1));
        using (var below = log.Read(0, 1000))
            Assert.Equal((ErrorCode.OffsetOutOfRange, 1L), (below.Error, below.LogStartOffset));
    }

    [Fact]
    public void Reads_span_segments_and_batches_stay_whole()
    {
        var log = Open(SmallSegments);
        for (int i = 0; i < 40; i++)
            Assert.True(log.Append(Values(3, "r" + i + "-")).Succeeded);
        Assert.True(log.SegmentCount > 3, $"{log.SegmentCount} segments");
        Assert.Equal(120, log.LogEndOffset);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), TestBatches.ReadAll(log, 0).Select(r => r.Offset));
        Assert.Equal(Enumerable.Range(57, 63).Select(i => (long)i), TestBatches.ReadAll(log, 58).Select(r => r.Offset));
        // A budget of a few batches from the middle crosses a segment boundary somewhere in the log.
        int batchSize = Values(3, "r10-").Length;
        for (long from = 0; from < 120; from += 7)
        {
            using var read = log.Read(from, batchSize * 4 + 1);
            var records = TestBatches.Parse(Bytes(read));
            Assert.Equal(from / 3 * 3, records[0].Offset);
            Assert.Equal(Math.Min(12, 120 - from / 3 * 3), records.Count);
        }
        using (var all = log.Read(0, int.MaxValue))
            Assert.Equal(log.Size, all.Length);
    }

    [Fact]
    public void Invalid_input_is_refused_and_nothing_is_stored()
    {
        var log = Open(new LogConfig { MaxMessageBytes = 200 });
        var corrupt = TestBatches.Build(T0, "good", "data");
        corrupt[^1] ^= 0xFF;
        Assert.Equal(ErrorCode.CorruptMessage, log.Append(corrupt).Error);
        Assert.Equal(ErrorCode.MessageTooLarge, log.Append(Values(20, new string('x', 20))).Error);
        Assert.Equal(ErrorCode.InvalidRecord, log.AppendBatches([]).Error);
        var good = TestBatches.Build(T0, "ok");
        Assert.Equal(ErrorCode.CorruptMessage, log.AppendBatches([.. good, .. corrupt]).Error);
        Assert.Equal((0L, 0L), (log.LogEndOffset, log.Size));
        Assert.True(log.Append(good).Succeeded);
        Assert.Equal(1, log.LogEndOffset);
    }

    [Fact]
    public void Log_append_time_stamps_the_broker_clock()
    {
        var log = Open(new LogConfig { MessageTimestampType = TimestampType.LogAppendTime });
        var result = log.Append(TestBatches.Build(T0, "a", "b"));
        Assert.Equal(Clock.NowMs, result.LogAppendTime);
        var header = log.ReadBatchHeaders(0).Single();
        Assert.Equal(Clock.NowMs, header.MaxTimestamp);
        Assert.NotEqual(0, header.Attributes & RecordBatchHeader.TimestampTypeFlag);
        Assert.Equal(new TimestampOffset(0, Clock.NowMs), log.LookupOffsetByTimestamp(T0 + 5));
        Assert.Equal(2, TestBatches.ReadAll(log, 0).Count); // CRC still valid
    }

    [Fact]
    public void The_high_watermark_bounds_reads_and_rounds_down_to_a_batch_start()
    {
        var log = Open();
        log.Append(Values(3));
        log.Append(Values(3));
        log.Append(Values(3));
        Assert.Equal(3, log.SetHighWatermark(4));
        Assert.True(log.HasReplicatedHighWatermark);
        Assert.Equal(3, log.HighWatermark);
        Assert.Equal([0L, 1, 2], TestBatches.ReadAll(log, 0).Select(r => r.Offset));
        using (var atHw = log.Read(3, 1000))
            Assert.Equal((ErrorCode.None, 0, 3L), (atHw.Error, atHw.Length, atHw.HighWatermark));
        using (var aboveHw = log.Read(7, 1000))
            Assert.Equal((ErrorCode.None, 0), (aboveHw.Error, aboveHw.Length));
        using (var replica = log.ReadAsReplica(3, 1000))
            Assert.Equal([3L, 4, 5, 6, 7, 8], TestBatches.Parse(Bytes(replica)).Select(r => r.Offset));
        Assert.Equal(9, log.SetHighWatermark(100));
        Assert.Equal(0, log.SetHighWatermark(-5));
        log.SetHighWatermark(6);
        log.Append(Values(1));
        Assert.Equal((6L, 10L), (log.HighWatermark, log.LogEndOffset));
    }

    [Fact]
    public void Truncation_rounds_down_to_a_batch_start_and_the_log_continues_there()
    {
        var log = Open(SmallSegments);
        for (int i = 0; i < 30; i++)
            log.Append(Values(2));
        int segments = log.SegmentCount;
        log.SetHighWatermark(60);
        Assert.Equal(60, log.TruncateTo(100));
        Assert.Equal(20, log.TruncateTo(21));
        Assert.Equal((20L, 20L), (log.LogEndOffset, log.HighWatermark));
        Assert.True(log.SegmentCount < segments);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), TestBatches.ReadAll(log, 0).Select(r => r.Offset));
        Assert.Equal([18L], log.ReadBatchHeaders(19).Select(h => h.BaseOffset));
        Assert.Equal(20, log.Append(Values(2, "after")).BaseOffset);
        Assert.Equal(20, log.HighWatermark); // replication moves it, not the append
        log.SetHighWatermark(22);
        Assert.Equal(["after0", "after1"], TestBatches.ReadAll(log, 20).Select(r => r.Value));
        Assert.Equal(0, log.TruncateTo(0));
        Assert.Equal((0L, 0L, 0L), (log.LogStartOffset, log.LogEndOffset, log.Size));
        Assert.Equal(0, log.Append(Values(1)).BaseOffset);
    }

    [Fact]
    public void Follower_appends_keep_the_leaders_offsets_and_epochs()
    {
        var log = Open();
        Assert.True(log.AppendAsFollower([.. AtOffset(Values(2), 0, 0), .. AtOffset(Values(3), 2, 0)]).Succeeded);
        Assert.True(log.AppendAsFollower(AtOffset(Values(1), 5, 3)).Succeeded);
        var gap = log.AppendAsFollower(AtOffset(Values(1), 7, 3));
        Assert.Equal(ErrorCode.InvalidRecord, gap.Error);
        Assert.Equal(6, log.LogEndOffset);
        Assert.Equal([(0, 0L), (3, 5L)], log.LeaderEpochs.Entries);
        Assert.Equal((0, 5L), log.LeaderEpochs.EndOffsetFor(0, log.LogEndOffset));
        Assert.Equal((3, 6L), log.LeaderEpochs.EndOffsetFor(3, log.LogEndOffset));
        Assert.Equal([0, 0, 3], log.ReadBatchHeaders(0).Select(h => h.PartitionLeaderEpoch));
        Assert.True(log.AppendAsFollower(AtOffset(Values(2), 6, 4)).Succeeded);
        Assert.Equal(4, log.LeaderEpochs.Latest);
        // The divergent tail goes, and with it the epochs that began in it.
        Assert.Equal(5, log.TruncateTo(5));
        Assert.Equal([(0, 0L)], log.LeaderEpochs.Entries);
        Assert.True(log.AppendAsFollower(AtOffset(Values(1), 5, 5)).Succeeded);
        Assert.Equal([(0, 0L), (5, 5L)], log.LeaderEpochs.Entries);
        Assert.Equal([0L, 1, 2, 3, 4, 5], TestBatches.ReadAll(log, 0).Select(r => r.Offset));
    }

    [Fact]
    public void Leader_epochs_begin_at_the_log_end()
    {
        var log = Open();
        Assert.Equal(-1, log.LeaderEpochs.Latest);
        Assert.Equal(0, log.LeaderEpochs.BeginNextEpoch(log.LogEndOffset));
        log.Append(Values(4));
        Assert.Equal(1, log.LeaderEpochs.BeginNextEpoch(log.LogEndOffset));
        log.Append(Values(2));
        Assert.Equal([(0, 0L), (1, 4L)], log.LeaderEpochs.Entries);
        Assert.Equal((0, 4L), log.LeaderEpochs.EndOffsetFor(0, log.LogEndOffset));
        Assert.Equal((-1, -1L), log.LeaderEpochs.EndOffsetFor(2, log.LogEndOffset));
    }

    [Fact]
    public void Lookup_by_timestamp_finds_the_first_record_at_or_after_it()
    {
        var log = Open(SmallSegments);
        for (int i = 0; i < 20; i++)
            log.Append(TestBatches.Build(T0 + i * 100, 10, ["a", "b", "c", "d", "e"]));
        Assert.True(log.SegmentCount > 1);
        Assert.Equal(new TimestampOffset(0, T0), log.LookupOffsetByTimestamp(0));
        Assert.Equal(new TimestampOffset(50, T0 + 1000), log.LookupOffsetByTimestamp(T0 + 1000));
        Assert.Equal(new TimestampOffset(52, T0 + 1020), log.LookupOffsetByTimestamp(T0 + 1011));
        Assert.Equal(new TimestampOffset(55, T0 + 1100), log.LookupOffsetByTimestamp(T0 + 1041));
        Assert.Null(log.LookupOffsetByTimestamp(T0 + 1941));
        Assert.Equal(new TimestampOffset(100, -1), log.LookupOffsetByTimestamp(-1));
        Assert.Equal(new TimestampOffset(0, -1), log.LookupOffsetByTimestamp(-2));
        Assert.Equal(new TimestampOffset(99, T0 + 1940), log.LookupMaxTimestamp());
        Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(52));
        Assert.Equal(new TimestampOffset(52, T0 + 1020), log.LookupOffsetByTimestamp(T0));
        Assert.Equal(new TimestampOffset(52, -1), log.LookupOffsetByTimestamp(-2));
    }

    [Fact]
    public void An_empty_log_has_no_timestamps()
    {
        var log = Open();
        Assert.Null(log.LookupMaxTimestamp());
        Assert.Null(log.LookupOffsetByTimestamp(T0));
        Assert.Equal(new TimestampOffset(0, -1), log.LookupOffsetByTimestamp(-1));
    }

    [Fact]
    public void Delete_records_moves_the_log_start_and_drops_whole_segments_below_it()
    {
        var log = Open(SmallSegments);
        for (int i = 0; i < 30; i++)
            log.Append(Values(2));
        int segments = log.SegmentCount;
        Assert.Equal(ErrorCode.OffsetOutOfRange, log.DeleteRecordsBefore(61));
        Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(25));
        Assert.Equal(25, log.LogStartOffset);
        Assert.True(log.SegmentCount < segments);
        // The batch holding the log start is still served whole.
        Assert.Equal(24, TestBatches.ReadAll(log, 25)[0].Offset);
        Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(10)); // behind the log start: nothing to do
        Assert.Equal(25, log.LogStartOffset);
        Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(60));
        Assert.Equal((60L, 60L, 1), (log.LogStartOffset, log.LogEndOffset, log.SegmentCount));
        Assert.Equal(60, log.Append(Values(1)).BaseOffset);
        Assert.Equal(60, log.Append(Values(1)).LogStartOffset);
    }

    [Fact]
    public void Retention_by_size_drops_the_oldest_closed_segments()
    {
        var log = Open(SmallSegments with { RetentionBytes = 2048 });
        for (int i = 0; i < 60; i++)
            log.Append(Values(2));
        long before = log.Size;
        int segments = log.SegmentCount;
        int dropped = log.ApplyRetention(Clock.NowMs);
        Assert.True(dropped > 0);
        Assert.Equal(segments - dropped, log.SegmentCount);
        // Whole segments go while what stays is at least retention.bytes: less than one segment above it is left.
        Assert.True(log.Size >= 2048 && log.Size < 2048 + 1024 && log.Size < before, $"{log.Size} bytes left of {before}");
        Assert.True(log.LogStartOffset > 0);
        Assert.Equal(log.LogStartOffset, TestBatches.ReadAll(log, log.LogStartOffset)[0].Offset);
        Assert.Equal(0, log.ApplyRetention(Clock.NowMs));
    }

    [Fact]
    public void Retention_by_time_drops_closed_segments_older_than_retention_ms_but_never_the_active_one()
    {
        var log = Open(SmallSegments with { RetentionMs = 60_000 });
        for (int i = 0; i < 30; i++)
            log.Append(TestBatches.Build(T0 + i * 1000, "aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"));
        int segments = log.SegmentCount;
        Assert.True(segments > 2);
        Assert.Equal(0, log.ApplyRetention(T0 + 30_000));
        Assert.Equal(segments - 1, log.ApplyRetention(T0 + 10_000_000));
        Assert.Equal(1, log.SegmentCount);
        Assert.True(log.LogStartOffset > 0);
        Assert.Equal(60, log.LogEndOffset);
        // cleanup.policy without delete keeps everything.
        var kept = Open(SmallSegments with { RetentionMs = 1, Delete = false, RetentionBytes = 1 });
        for (int i = 0; i < 30; i++)
            kept.Append(TestBatches.Build(T0, "aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"));
        Assert.Equal(0, kept.ApplyRetention(T0 + 10_000_000));
    }

    [Fact]
    public void Segment_ms_rolls_the_active_segment_on_the_next_append()
    {
        var log = Open(new LogConfig { SegmentMs = 1000 });
        log.Append(Values(1));
        log.Append(Values(1));
        Assert.Equal(1, log.SegmentCount);
        Clock.NowMs += 5000;
        log.Append(Values(1));
        Assert.Equal(2, log.SegmentCount);
        Assert.Equal([0L, 1, 2], TestBatches.ReadAll(log, 0).Select(r => r.Offset));
    }

    [Fact]
    public void A_config_change_applies_to_the_next_append_and_a_bad_one_is_refused()
    {
        var log = Open();
        log.Config = log.Config with { MaxMessageBytes = 100 };
        Assert.Equal(ErrorCode.MessageTooLarge, log.Append(Values(10, new string('z', 20))).Error);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Config = log.Config with { SegmentBytes = 10 });
        Assert.Equal(100, log.Config.MaxMessageBytes);
    }

    [Fact]
    public void Flushes_succeed_and_a_closed_log_refuses_appends()
    {
        var log = Open();
        log.Append(Values(1));
        log.Flush();
        log.FlushTo(0);
        log.FlushIfDue(Clock.NowMs);
        log.Close();
        Assert.Throws<ObjectDisposedException>(() => log.Append(Values(1)));
    }

    /// <summary>The same random sequence of operations on this engine and on a reference memory log gives the same
    /// answers byte for byte (the memory log is checked against the disk log this way in the disk engine's run).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_operations_give_the_same_answers_as_the_other_engine(int seed)
    {
        var config = SmallSegments with { RetentionBytes = 6000 };
        var log = Open(config);
        using var peer = new MemoryPartitionLog("peer-0", config, Clock);
        var random = new Random(seed);
        for (int step = 0; step < 400; step++)
        {
            int op = random.Next(100);
            if (op < 55)
            {
                var batch = TestBatches.Build(T0 + random.Next(5000), random.Next(1, 20),
                    [.. Enumerable.Range(0, random.Next(1, 6)).Select(i => new string('x', random.Next(0, 60)))]);
                var a = log.Append((byte[])batch.Clone());
                var b = peer.Append(batch);
                Assert.Equal((b.Error, b.BaseOffset, b.LastOffset, b.LogStartOffset), (a.Error, a.BaseOffset, a.LastOffset, a.LogStartOffset));
            }
            else if (op < 60)
            {
                long to = random.NextInt64(0, log.LogEndOffset + 3);
                Assert.Equal(peer.TruncateTo(to), log.TruncateTo(to));
            }
            else if (op < 66)
            {
                long hw = random.NextInt64(-1, log.LogEndOffset + 3);
                Assert.Equal(peer.SetHighWatermark(hw), log.SetHighWatermark(hw));
            }
            else if (op < 69)
            {
                long before = random.NextInt64(0, log.LogEndOffset + 2);
                Assert.Equal(peer.DeleteRecordsBefore(before), log.DeleteRecordsBefore(before));
            }
            else if (op < 72)
            {
                Assert.Equal(peer.ApplyRetention(Clock.NowMs), log.ApplyRetention(Clock.NowMs));
            }
            else if (op < 80)
            {
                long ts = T0 + random.Next(-100, 5200);
                Assert.Equal(peer.LookupOffsetByTimestamp(ts), log.LookupOffsetByTimestamp(ts));
                Assert.Equal(peer.LookupMaxTimestamp(), log.LookupMaxTimestamp());
            }
            else
            {
                long from = random.NextInt64(Math.Max(0, log.LogStartOffset - 2), log.LogEndOffset + 2);
                int maxBytes = random.Next(0, 3000);
                bool minOne = random.Next(4) > 0;
                bool replica = random.Next(3) == 0;
                using var a = replica ? log.ReadAsReplica(from, maxBytes) : log.Read(from, maxBytes, minOne);
                using var b = replica ? peer.ReadAsReplica(from, maxBytes) : peer.Read(from, maxBytes, minOne);
                Assert.Equal((b.Error, b.HighWatermark, b.LogStartOffset), (a.Error, a.HighWatermark, a.LogStartOffset));
                Assert.Equal(Bytes(b), Bytes(a));
            }
            Assert.Equal((peer.LogStartOffset, peer.LogEndOffset, peer.HighWatermark, peer.Size, peer.SegmentCount),
                (log.LogStartOffset, log.LogEndOffset, log.HighWatermark, log.Size, log.SegmentCount));
        }
    }
}

/// <summary>The contract on the disk engine, plus what only it does: keeping the log across a reopen.</summary>
public sealed class DiskPartitionLogContractTests : PartitionLogContractTests
{
    private readonly TempDirectory _temp = new();
    private int _logs;

    protected override IPartitionLog Create(LogConfig config) => OpenAt(_temp.Sub("contract-" + _logs++), config);

    private PartitionLog OpenAt(string directory, LogConfig config, bool clean = true) =>
        PartitionLog.Open(directory, config, clean, time: Clock);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _temp.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_reopened_log_keeps_offsets_log_start_epochs_and_timestamps(bool clean)
    {
        string directory = _temp.Sub("reopen-0");
        var config = new LogConfig { SegmentBytes = 1024 };
        using (var log = OpenAt(directory, config))
        {
            log.LeaderEpochs.BeginNextEpoch(0);
            for (int i = 0; i < 20; i++)
                log.Append(TestBatches.Build(T0 + i * 10, "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"));
            log.LeaderEpochs.BeginNextEpoch(log.LogEndOffset);
            log.Append(TestBatches.Build(T0 + 500, "c"));
            Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(3));
            log.Close(clean);
        }
        using var reopened = OpenAt(directory, config, clean);
        Assert.Equal((3L, 41L), (reopened.LogStartOffset, reopened.LogEndOffset));
        Assert.Equal([(0, 0L), (1, 40L)], reopened.LeaderEpochs.Entries);
        Assert.Equal(new TimestampOffset(20, T0 + 100), reopened.LookupOffsetByTimestamp(T0 + 100));
        Assert.Equal(Enumerable.Range(2, 39).Select(i => (long)i), TestBatches.ReadAll(reopened, 3).Select(r => r.Offset));
        Assert.Equal(41, reopened.Append(TestBatches.Build(T0, "d")).BaseOffset);
    }
}

/// <summary>The contract on the memory engine.</summary>
public sealed class MemoryPartitionLogContractTests : PartitionLogContractTests
{
    protected override IPartitionLog Create(LogConfig config) => new MemoryPartitionLog("contract-0", config, Clock);
}
