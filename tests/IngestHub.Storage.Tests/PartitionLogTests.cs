using System.Buffers.Binary;
using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Storage.Tests;

public sealed class PartitionLogTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly TempDirectory _temp = new();
    private readonly ManualClock _clock = new(T0 + 1_000_000);

    public void Dispose() => _temp.Dispose();

    private PartitionLog Open(LogConfig? config = null, bool clean = false) =>
        PartitionLog.Open(_temp.Sub("logs-0"), config ?? new LogConfig(), clean, time: _clock);

    [Fact]
    public void Append_assigns_consecutive_offsets_and_read_returns_the_records()
    {
        using var log = Open();
        var first = log.Append(TestBatches.Build(T0, "a", "b", "c"));
        var second = log.Append(TestBatches.Build(T0, "d"));
        Assert.Equal((ErrorCode.None, 0L, 2L), (first.Error, first.BaseOffset, first.LastOffset));
        Assert.Equal((3L, 3L), (second.BaseOffset, second.LastOffset));
        Assert.Equal(4, log.LogEndOffset);
        Assert.Equal(4, log.HighWatermark);
        Assert.Equal(-1, first.LogAppendTime);
        Assert.Equal(3, first.Header.RecordCount);
        var records = TestBatches.ReadAll(log, 0);
        Assert.Equal(["a", "b", "c", "d"], records.Select(r => r.Value));
        Assert.Equal([0L, 1, 2, 3], records.Select(r => r.Offset));
    }

    [Fact]
    public void Read_from_the_middle_of_a_batch_returns_that_whole_batch()
    {
        using var log = Open();
        log.Append(TestBatches.Build(T0, "a", "b", "c"));
        log.Append(TestBatches.Build(T0, "d", "e"));
        Assert.Equal([0L, 1, 2, 3, 4], TestBatches.ReadAll(log, 1).Select(r => r.Offset));
        Assert.Equal([3L, 4], TestBatches.ReadAll(log, 4).Select(r => r.Offset));
    }

    [Fact]
    public void Read_is_bounded_by_max_bytes_but_returns_at_least_one_whole_batch()
    {
        using var log = Open();
        var batch = TestBatches.Build(T0, "aaaaaaaaaa", "bbbbbbbbbb");
        for (int i = 0; i < 5; i++)
            log.Append((byte[])batch.Clone());
        using (var small = log.Read(0, 10))
            Assert.Equal(batch.Length, small.Length);
        using (var exact = log.Read(0, batch.Length * 2))
            Assert.Equal(batch.Length * 2, exact.Length);
        using (var none = log.Read(0, 10, minOneBatch: false))
            Assert.Equal(0, none.Length);
        using (var three = log.Read(2, batch.Length * 3 + 5))
        {
            Assert.Equal(batch.Length * 3, three.Length);
            var buffer = new byte[three.Length];
            three.CopyTo(buffer);
            Assert.Equal([2L, 3, 4, 5, 6, 7], TestBatches.Parse(buffer).Select(r => r.Offset));
        }
    }

    [Fact]
    public void Read_at_high_watermark_is_empty_and_beyond_or_below_is_out_of_range()
    {
        using var log = Open();
        log.Append(TestBatches.Build(T0, "a"));
        using (var atEnd = log.Read(1, 1000))
            Assert.Equal((ErrorCode.None, 0), (atEnd.Error, atEnd.Length));
        using (var beyond = log.Read(2, 1000))
            Assert.Equal(ErrorCode.OffsetOutOfRange, beyond.Error);
        log.Append(TestBatches.Build(T0, "b"));
        Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(1));
        using (var below = log.Read(0, 1000))
            Assert.Equal(ErrorCode.OffsetOutOfRange, below.Error);
    }

    [Fact]
    public void Bad_crc_wrong_magic_and_oversize_are_rejected_without_touching_the_log()
    {
        using var log = Open(new LogConfig { MaxMessageBytes = 200 });
        log.Append(TestBatches.Build(T0, "kept"));
        var corrupt = TestBatches.Build(T0, "x");
        corrupt[^1] ^= 0xFF;
        var magic = TestBatches.Build(T0, "x");
        magic[RecordBatchHeader.MagicOffset] = 1;
        var large = TestBatches.Build(T0, new string('z', 300));
        var r1 = log.Append(corrupt);
        Assert.Equal((ErrorCode.CorruptMessage, RecordBatchError.CrcMismatch), (r1.Error, r1.BatchError));
        Assert.Equal(ErrorCode.CorruptMessage, log.Append(magic).Error);
        Assert.Equal(ErrorCode.MessageTooLarge, log.Append(large).Error);
        Assert.Equal(ErrorCode.CorruptMessage, log.Append(TestBatches.Build(T0, "x").AsSpan(0, 40)).Error);
        Assert.Equal(1, log.LogEndOffset);
        Assert.Equal(["kept"], TestBatches.ReadAll(log, 0).Select(r => r.Value));
    }

    [Fact]
    public void AppendBatches_appends_all_batches_or_none()
    {
        using var log = Open();
        byte[] a = TestBatches.Build(T0, "a", "b"), b = TestBatches.Build(T0, "c"), bad = TestBatches.Build(T0, "d");
        bad[^2] ^= 1;
        var result = log.AppendBatches([.. a, .. b]);
        Assert.Equal((0L, 2L, 2), (result.BaseOffset, result.LastOffset, result.BatchCount));
        var failed = log.AppendBatches([.. TestBatches.Build(T0, "e"), .. bad]);
        Assert.Equal(ErrorCode.CorruptMessage, failed.Error);
        Assert.Equal(3, log.LogEndOffset);
        Assert.Equal(["a", "b", "c"], TestBatches.ReadAll(log, 0).Select(r => r.Value));
    }

    [Fact]
    public void Segments_roll_at_segment_bytes_and_reads_cross_segments()
    {
        using var log = Open(new LogConfig { SegmentBytes = 1024, IndexIntervalBytes = 100 });
        for (int i = 0; i < 40; i++)
            log.Append(TestBatches.Build(T0 + i, "value-" + i, "second-" + i));
        Assert.True(log.Segments.Count > 3);
        foreach (var segment in log.Segments)
            Assert.True(segment.Size <= 1024);
        var records = TestBatches.ReadAll(log, 0);
        Assert.Equal(Enumerable.Range(0, 80).Select(i => (long)i), records.Select(r => r.Offset));
        for (long offset = 0; offset < 80; offset++)
            Assert.Equal(offset - offset % 2, TestBatches.ReadAll(log, offset, 1)[0].Offset);
    }

    [Fact]
    public void Segment_rolls_when_older_than_segment_ms()
    {
        using var log = Open(new LogConfig { SegmentMs = 1000 });
        log.Append(TestBatches.Build(T0, "a"));
        _clock.NowMs += 500;
        log.Append(TestBatches.Build(T0, "b"));
        Assert.Single(log.Segments);
        _clock.NowMs += 1000;
        log.Append(TestBatches.Build(T0, "c"));
        Assert.Equal([0L, 2], log.Segments.Select(s => s.BaseOffset));
    }

    [Fact]
    public void Lookup_by_timestamp_finds_first_batch_at_or_after_it()
    {
        using var log = Open(new LogConfig { SegmentBytes = 2048, IndexIntervalBytes = 64 });
        for (int i = 0; i < 100; i++)
            log.Append(TestBatches.Build(T0 + i * 10, "v" + i));
        Assert.Equal(new TimestampOffset(0, T0), log.LookupOffsetByTimestamp(0));
        Assert.Equal(new TimestampOffset(50, T0 + 500), log.LookupOffsetByTimestamp(T0 + 500));
        Assert.Equal(new TimestampOffset(51, T0 + 510), log.LookupOffsetByTimestamp(T0 + 501));
        Assert.Null(log.LookupOffsetByTimestamp(T0 + 991));
        Assert.Equal(new TimestampOffset(100, -1), log.LookupOffsetByTimestamp(-1));
        Assert.Equal(new TimestampOffset(0, -1), log.LookupOffsetByTimestamp(-2));
    }

    [Fact]
    public void Lookup_by_timestamp_finds_the_exact_record_inside_an_uncompressed_batch()
    {
        using var log = Open();
        log.Append(TestBatches.Build(T0, 10, ["a", "b", "c", "d"]));
        log.Append(TestBatches.Build(T0 + 100, 10, ["e", "f"]));
        Assert.Equal(new TimestampOffset(2, T0 + 20), log.LookupOffsetByTimestamp(T0 + 15));
        Assert.Equal(new TimestampOffset(3, T0 + 30), log.LookupOffsetByTimestamp(T0 + 30));
        Assert.Equal(new TimestampOffset(5, T0 + 110), log.LookupOffsetByTimestamp(T0 + 101));
        Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(3));
        Assert.Equal(new TimestampOffset(3, T0 + 30), log.LookupOffsetByTimestamp(T0));
    }

    [Fact]
    public void Retention_by_time_deletes_old_closed_segments_but_never_the_active_one()
    {
        using var log = Open(new LogConfig { SegmentBytes = 1024, RetentionMs = 1000 });
        for (int i = 0; i < 30; i++)
            log.Append(TestBatches.Build(T0, "old-" + i));
        int before = log.Segments.Count;
        Assert.True(before > 2);
        Assert.Equal(0, log.ApplyRetention(T0 + 500));
        Assert.Equal(before - 1, log.ApplyRetention(T0 + 5000));
        Assert.Single(log.Segments);
        Assert.Equal(log.Segments[0].BaseOffset, log.LogStartOffset);
        Assert.Equal(30, log.LogEndOffset);
    }

    [Fact]
    public void Retention_by_size_keeps_the_log_under_retention_bytes()
    {
        using var log = Open(new LogConfig { SegmentBytes = 1024, RetentionBytes = 2048, RetentionMs = -1 });
        for (int i = 0; i < 60; i++)
            log.Append(TestBatches.Build(T0, "value-" + i));
        Assert.True(log.ApplyRetention(T0) > 0);
        Assert.True(log.Size <= 2048 + 1024);
        Assert.True(log.Size > 2048 - 1024);
        var records = TestBatches.ReadAll(log, log.LogStartOffset);
        Assert.Equal(59, records[^1].Offset);
    }

    [Fact]
    public void A_read_result_stays_copyable_after_retention_deletes_its_segment()
    {
        using var log = Open(new LogConfig { SegmentBytes = 1024, RetentionMs = 1000 });
        for (int i = 0; i < 30; i++)
            log.Append(TestBatches.Build(T0, "v" + i));
        string firstSegment = log.Segments[0].LogPath;
        using var result = log.Read(0, 500);
        Assert.True(log.ApplyRetention(T0 + 10_000) > 0);
        Assert.False(File.Exists(firstSegment));
        var buffer = new byte[result.Length];
        result.CopyTo(buffer);
        Assert.Equal("v0", TestBatches.Parse(buffer)[0].Value);
        using var after = log.Read(0, 500);
        Assert.Equal(ErrorCode.OffsetOutOfRange, after.Error);
    }

    [Fact]
    public void DeleteRecordsBefore_moves_log_start_and_deletes_whole_segments_below_it()
    {
        using (var log = Open(new LogConfig { SegmentBytes = 1024 }))
        {
            for (int i = 0; i < 30; i++)
                log.Append(TestBatches.Build(T0, "v" + i));
            Assert.Equal(ErrorCode.OffsetOutOfRange, log.DeleteRecordsBefore(31));
            Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(17));
            Assert.Equal(17, log.LogStartOffset);
            Assert.True(log.Segments[0].BaseOffset <= 17);
            Assert.True(log.Segments.Count == 1 || log.Segments[1].BaseOffset > 17);
            Assert.Equal(17, TestBatches.ReadAll(log, 17)[0].Offset);
        }
        using (var reopened = Open(new LogConfig { SegmentBytes = 1024 }, clean: true))
        {
            Assert.Equal(17, reopened.LogStartOffset);
            Assert.Equal(ErrorCode.None, reopened.DeleteRecordsBefore(30));
            Assert.Equal(30, reopened.LogStartOffset);
            Assert.Single(reopened.Segments);
            Assert.Equal(30, reopened.Append(TestBatches.Build(T0, "next")).BaseOffset);
        }
    }

    [Fact]
    public void Log_append_time_stamps_the_broker_clock_and_keeps_the_crc_valid()
    {
        using var log = Open(new LogConfig { MessageTimestampType = TimestampType.LogAppendTime });
        var result = log.Append(TestBatches.Build(T0, "a"));
        Assert.Equal(_clock.NowMs, result.LogAppendTime);
        using var read = log.Read(0, 1000);
        var buffer = new byte[read.Length];
        read.CopyTo(buffer);
        Assert.Equal(RecordBatchError.None, RecordBatchHeader.TryValidate(buffer, out var header));
        Assert.Equal(_clock.NowMs, header.MaxTimestamp);
        Assert.NotEqual(0, header.Attributes & RecordBatchHeader.TimestampTypeFlag);
    }

    [Fact]
    public void Batch_headers_can_be_enumerated_from_an_offset_for_producer_state()
    {
        using var log = Open(new LogConfig { SegmentBytes = 1024 });
        for (int i = 0; i < 20; i++)
            log.Append(TestBatches.Build(T0, 1, ["x" + i, "y"], producerId: 7, baseSequence: i * 2));
        var headers = log.ReadBatchHeaders(13).ToList();
        Assert.Equal(12, headers[0].BaseOffset);
        Assert.Equal(39, headers[^1].LastOffset);
        Assert.All(headers, h => Assert.Equal(7, h.ProducerId));
        Assert.Equal(14, headers[1].BaseSequence);
    }

    [Fact]
    public void Clean_close_and_reopen_keeps_everything_and_continues_offsets()
    {
        var config = new LogConfig { SegmentBytes = 1024, IndexIntervalBytes = 128 };
        using (var log = Open(config))
        {
            for (int i = 0; i < 50; i++)
                log.Append(TestBatches.Build(T0 + i, "v" + i));
        }
        using var reopened = Open(config, clean: true);
        Assert.Equal(50, reopened.LogEndOffset);
        Assert.Equal(50, reopened.RecoveryPoint);
        Assert.Equal(50, reopened.Append(TestBatches.Build(T0, "next")).BaseOffset);
        Assert.Equal(51, TestBatches.ReadAll(reopened, 0).Count);
        Assert.Equal(new TimestampOffset(20, T0 + 20), reopened.LookupOffsetByTimestamp(T0 + 20));
    }

    [Fact]
    public void Fsync_append_advances_the_recovery_point_and_flush_messages_flushes_periodically()
    {
        using var log = Open(new LogConfig { FlushMessages = 3 });
        log.Append(TestBatches.Build(T0, "a"));
        Assert.Equal(0, log.RecoveryPoint);
        log.Append(TestBatches.Build(T0, "b"), fsync: true);
        Assert.Equal(2, log.RecoveryPoint);
        log.Append(TestBatches.Build(T0, "c", "d"));
        Assert.Equal(2, log.RecoveryPoint);
        log.Append(TestBatches.Build(T0, "e"));
        Assert.Equal(5, log.RecoveryPoint);
    }

    [Fact]
    public void Flush_ms_is_applied_by_the_periodic_call()
    {
        using var log = Open(new LogConfig { FlushMs = 1000 });
        log.Append(TestBatches.Build(T0, "a"));
        log.FlushIfDue(_clock.NowMs + 10);
        Assert.Equal(0, log.RecoveryPoint);
        log.FlushIfDue(_clock.NowMs + 2000);
        Assert.Equal(1, log.RecoveryPoint);
        Assert.Equal(1, OffsetCheckpoint.Read(Path.Combine(log.Directory, PartitionLog.RecoveryPointFile), -1));
    }

    [Fact]
    public void Log_directory_writes_the_clean_shutdown_marker_and_reopens_partitions()
    {
        using (var dir = LogDirectory.Open(_temp.Path))
        {
            Assert.False(dir.WasCleanShutdown);
            dir.GetOrCreate("my-topic", 0).Append(TestBatches.Build(T0, "a"));
            dir.GetOrCreate("my-topic", 1).Append(TestBatches.Build(T0, "b", "c"));
            dir.GetOrCreate("gone", 0);
            Assert.True(dir.Delete("gone", 0));
        }
        Assert.True(File.Exists(Path.Combine(_temp.Path, LogDirectory.CleanShutdownFile)));
        using (var dir = LogDirectory.Open(_temp.Path))
        {
            Assert.True(dir.WasCleanShutdown);
            Assert.False(File.Exists(Path.Combine(_temp.Path, LogDirectory.CleanShutdownFile)));
            Assert.Equal(2, dir.Partitions.Count);
            Assert.True(dir.TryGet("my-topic", 1, out var log));
            Assert.Equal(2, log.LogEndOffset);
            Assert.False(dir.TryGet("gone", 0, out _));
        }
    }

    [Fact]
    public void Log_directory_without_the_marker_recovers_every_partition()
    {
#pragma warning disable CA2000 // never closed: a crash writes no clean-shutdown marker (its one partition is closed unclean below)
        var dir = LogDirectory.Open(_temp.Path, _ => new LogConfig { SegmentBytes = 1024 });
#pragma warning restore CA2000
        var log = dir.GetOrCreate("events", 3);
        for (int i = 0; i < 20; i++)
            log.Append(TestBatches.Build(T0, "e" + i));
        string last = log.Segments[^1].LogPath;
        log.Close(clean: false); // crash: no marker, no checkpoints
        using (var stream = new FileStream(last, FileMode.Open))
            stream.SetLength(stream.Length - 3);
        var logger = new ListLogger();
        using var loggerFactory = new SingleLoggerFactory(logger);
        using var reopened = LogDirectory.Open(_temp.Path, _ => new LogConfig { SegmentBytes = 1024 }, loggerFactory);
        Assert.False(reopened.WasCleanShutdown);
        Assert.True(reopened.TryGet("events", 3, out var recovered));
        Assert.Equal(19, recovered.LogEndOffset);
        Assert.Equal(19, TestBatches.ReadAll(recovered, 0).Count);
        Assert.Contains(logger.Lines, l => l.Contains("truncating", StringComparison.Ordinal));
    }

    [Fact]
    public void A_records_field_larger_than_a_segment_is_rejected_as_record_list_too_large()
    {
        using var log = Open(new LogConfig { SegmentBytes = 1024 });
        var many = Enumerable.Range(0, 20).SelectMany(i => TestBatches.Build(T0, "value-" + i)).ToArray();
        Assert.Equal(ErrorCode.RecordListTooLarge, log.AppendBatches(many).Error);
        Assert.Equal(0, log.LogEndOffset);
    }

    [Fact]
    public void Offsets_that_would_overflow_the_relative_offset_roll_a_new_segment()
    {
        using var log = Open();
        var huge = TestBatches.Build(T0, "a");
        // A batch claiming int.MaxValue - 1 offset deltas (recordCount matches, CRC recomputed).
        BinaryPrimitives.WriteInt32BigEndian(huge.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset), int.MaxValue - 1);
        BinaryPrimitives.WriteInt32BigEndian(huge.AsSpan(RecordBatchHeader.RecordCountOffset), int.MaxValue);
        BinaryPrimitives.WriteUInt32BigEndian(huge.AsSpan(RecordBatchHeader.CrcOffset), RecordBatchHeader.ComputeCrc(huge));
        log.Append(TestBatches.Build(T0, "first"));
        Assert.Equal(ErrorCode.None, log.Append(huge).Error);
        Assert.Equal(ErrorCode.None, log.Append(TestBatches.Build(T0, "b")).Error);
        Assert.Equal(2, log.Segments.Count);
        Assert.Equal((long)int.MaxValue + 1, log.Segments[1].BaseOffset);
    }
}
