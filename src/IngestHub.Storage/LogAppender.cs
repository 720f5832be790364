using System.Buffers.Binary;
using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace IngestHub.Storage;

/// <summary>
/// The write path of a <see cref="PartitionLog"/>: validation of the batches, appends as leader (offsets, and
/// timestamps under LogAppendTime, assigned in place) or as follower (at the offsets the leader gave), the roll to a new
/// segment when an append does not fit, the cut-back of a failed append's torn bytes, and truncation of the tail.
/// Called only under the log's write lock.
/// </summary>
internal sealed class LogAppender
{
    private readonly SegmentList _segments;
    private readonly LogFlushPolicy _flush;
    private readonly LogRetention _retention;
    private readonly string _directory;
    private readonly string _name;
    private readonly ILogger _logger;
    // Where a failed append left bytes past the published size, until the file is cut back there.
    private (LogSegment Segment, int Size)? _tornTail;

    public LogAppender(SegmentList segments, LogFlushPolicy flush, LogRetention retention, string directory, string name, ILogger logger)
    {
        _segments = segments;
        _flush = flush;
        _retention = retention;
        _directory = directory;
        _name = name;
        _logger = logger;
    }

    /// <summary>
    /// Appends batches already checked by <see cref="Validate"/> (<paramref name="offsetCount"/> offsets in
    /// <paramref name="batches"/> batches) to one segment, or none: as leader (<paramref name="assignOffsets"/>) at the log
    /// end offset, else as follower where the first batch must begin at the log end offset.
    /// </summary>
    public AppendResult Append(Span<byte> records, bool fsync, bool assignOffsets, LogConfig config, long offsetCount, int batches, long now)
    {
        var end = _segments.End;
        long baseOffset = end.Offset;
        long lastOffset = baseOffset + offsetCount - 1;
        bool logAppendTime = assignOffsets && config.MessageTimestampType == TimestampType.LogAppendTime;
        if (assignOffsets)
            AssignOffsets(records, baseOffset, logAppendTime ? now : -1);
        else if (!FollowsLogEnd(records, baseOffset, out lastOffset, out string? gap))
            return AppendResult.Failed(ErrorCode.InvalidRecord, RecordBatchError.InvalidRecord, gap);

        CutTornTail();
        var segment = end.Segment;
        if (SegmentList.ShouldRoll(segment, records.Length, lastOffset, now, config))
            segment = _segments.Roll(baseOffset, now, config.IndexIntervalBytes);
        var mark = segment.Mark();
        int size;
        var newEnd = new LogEnd(lastOffset + 1, segment, segment.Size + records.Length);
        bool flush = _flush.MustFlush(fsync, config, offsetCount, now);
        try
        {
            size = segment.Write(records);
            if (flush)
                _flush.Flush(newEnd, now);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing of a failed append stays: not in memory, and not in the file (no torn batch before the next one).
            segment.RollBack(mark);
            _tornTail = (segment, mark.Size);
            CutTornTail(throwOnFailure: false);
            throw;
        }
        if (!flush)
            _flush.Unflushed(offsetCount);
        segment.Publish(size);
        _segments.Publish(newEnd);
        RecordBatchHeader.TryRead(records, out var first);
        return new AppendResult(ErrorCode.None, RecordBatchError.None, baseOffset, lastOffset,
            logAppendTime ? now : -1, _retention.LogStartOffset, first, batches);
    }

    /// <summary>
    /// Removes every batch at and after <paramref name="offset"/> (rounded down to a batch start), which is below the log
    /// end: later segments are deleted, the one holding the offset is cut and its indexes rebuilt. Returns the new end.
    /// </summary>
    public LogEnd TruncateTo(long offset, long now, LogConfig config)
    {
        var keep = new List<LogSegment>(_segments.Snapshot.Length);
        foreach (var segment in _segments.Snapshot)
        {
            if (segment.BaseOffset < offset || (keep.Count == 0 && segment.BaseOffset <= offset))
                keep.Add(segment);
            else
                segment.Delete();
        }
        if (keep.Count == 0)
            keep.Add(LogSegment.Create(_directory, offset, config.IndexIntervalBytes, now));
        var last = keep[^1];
        var cut = SegmentList.LocateIn(last, last.Size, Math.Max(offset, last.BaseOffset));
        last.TruncateFile(cut.Position);
        LogRecovery.RecoverSegment(last, last.BaseOffset, seal: false, _logger, _name);
        return _segments.Reset([.. keep]);
    }

    /// <summary>Cuts the active segment back to where a failed append began. Throws when the cut fails again
    /// (then nothing is appended: the next batch would follow the torn bytes after a restart).</summary>
    public void CutTornTail(bool throwOnFailure = true)
    {
        if (_tornTail is not { } torn)
            return;
        try
        {
            torn.Segment.TruncateFile(torn.Size);
            _tornTail = null;
        }
        catch (Exception ex) when (!throwOnFailure && ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("{Log}: cannot cut {Segment} back to {Size} bytes after a failed append yet: {Error}",
                _name, torn.Segment.LogPath, torn.Size, ex.Message);
        }
    }

    /// <summary>Checks an append's batches as every engine does before writing any (size, CRC, record count,
    /// compression, keys of a compacted topic); null when they may be appended.</summary>
    public static AppendResult? Validate(Span<byte> records, LogConfig config, string name, out long offsetCount, out int batches)
    {
        offsetCount = 0;
        batches = 0;
        if (records.IsEmpty)
            return AppendResult.Failed(ErrorCode.InvalidRecord, RecordBatchError.Truncated);
        for (int offset = 0; offset < records.Length;)
        {
            var error = RecordBatchHeader.TryRead(records[offset..], out var header);
            if (error == RecordBatchError.None && header.TotalSize > config.MaxMessageBytes)
                return AppendResult.Failed(ErrorCode.MessageTooLarge);
            if (error == RecordBatchError.None)
                error = RecordBatchHeader.TryValidate(records[offset..], out header);
            if (error != RecordBatchError.None)
                return AppendResult.Failed(PartitionLog.ToErrorCode(error), error);
            if (header.RecordCount == 0 || header.RecordCount != header.LastOffsetDelta + 1)
                return AppendResult.Failed(ErrorCode.InvalidRecord, RecordBatchError.RecordCountMismatch);
            if ((int)header.Compression > (int)CompressionType.Zstd)
                return AppendResult.Failed(ErrorCode.CorruptMessage, RecordBatchError.UnsupportedCompression);
            if (config.Compact && !AllRecordsHaveKeys(records.Slice(offset, header.TotalSize), out string? keyError))
                return AppendResult.Failed(keyError is null ? ErrorCode.InvalidRecord : ErrorCode.CorruptMessage, RecordBatchError.InvalidRecord,
                    keyError ?? $"Compacted topic cannot accept message without key in topic partition {name}.");
            offsetCount += header.RecordCount;
            batches++;
            offset += header.TotalSize;
        }
        if (records.Length > config.SegmentBytes || offsetCount > int.MaxValue)
            return AppendResult.Failed(ErrorCode.RecordListTooLarge);
        return null;
    }

    /// <summary>A compacted log keeps the latest record per key, so (as Kafka) a record without a key is refused. This
    /// is the one place the append path decodes records (decompressing if needed). False with
    /// <paramref name="decodeError"/> set when the records cannot be decoded at all.</summary>
    public static bool AllRecordsHaveKeys(ReadOnlySpan<byte> batch, out string? decodeError)
    {
        decodeError = null;
        var reader = new RecordBatchReader(batch, verifyCrc: false);
        try
        {
            while (reader.MoveNext())
            {
                if (reader.Current.IsKeyNull)
                    return false;
            }
            if (reader.Error != RecordBatchError.None)
            {
                decodeError = "records of a compacted topic must be decodable to check their keys: " + reader.ErrorMessage;
                return false;
            }
            return true;
        }
        finally
        {
            reader.Dispose();
        }
    }

    /// <summary>Rewrites each batch's base offset from <paramref name="baseOffset"/> on; with
    /// <paramref name="logAppendTime"/> &gt;= 0 also sets LogAppendTime and that time as max timestamp (and the CRC).</summary>
    public static void AssignOffsets(Span<byte> records, long baseOffset, long logAppendTime)
    {
        long next = baseOffset;
        for (int offset = 0; offset < records.Length;)
        {
            var batch = records[offset..];
            int total = RecordBatchHeader.LogOverhead + BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..]);
            int lastDelta = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..]);
            RecordBatchHeader.SetBaseOffset(batch, next);
            if (logAppendTime >= 0)
            {
                var exact = batch[..total];
                short attributes = BinaryPrimitives.ReadInt16BigEndian(exact[RecordBatchHeader.AttributesOffset..]);
                BinaryPrimitives.WriteInt16BigEndian(exact[RecordBatchHeader.AttributesOffset..], (short)(attributes | RecordBatchHeader.TimestampTypeFlag));
                BinaryPrimitives.WriteInt64BigEndian(exact[RecordBatchHeader.MaxTimestampOffset..], logAppendTime);
                BinaryPrimitives.WriteUInt32BigEndian(exact[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(exact));
            }
            next += lastDelta + 1L;
            offset += total;
        }
    }

    /// <summary>Whether replicated batches begin at <paramref name="logEnd"/> and are contiguous.</summary>
    public static bool FollowsLogEnd(ReadOnlySpan<byte> records, long logEnd, out long lastOffset, out string? problem)
    {
        lastOffset = logEnd - 1;
        problem = null;
        for (int offset = 0; offset < records.Length;)
        {
            RecordBatchHeader.TryRead(records[offset..], out var header);
            if (header.BaseOffset != lastOffset + 1)
            {
                problem = $"replicated batch starts at offset {header.BaseOffset}, expected {lastOffset + 1}";
                return false;
            }
            lastOffset = header.LastOffset;
            offset += header.TotalSize;
        }
        return true;
    }
}
