using System.Buffers.Binary;
using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Storage;

/// <summary>
/// The log of one partition: a directory of segments with one writer (appends, rolls, retention and
/// deletes serialize on a lock) and lock-free readers that see only whole batches below the high watermark.
/// </summary>
public sealed partial class PartitionLog : IPartitionLog
{
    public const string RecoveryPointFile = "recovery-point-offset-checkpoint";
    public const string LogStartOffsetFile = "log-start-offset-checkpoint";

    private readonly object _writeLock = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private LogSegment[] _segments;
    private LogEnd _end;
    private long _logStartOffset;
    private long _recoveryPoint;
    private long _checkpointedRecoveryPoint = -1;
    private long _unflushedMessages;
    private long _lastFlushMs;
    private bool _closed;
    private LogConfig _config;
    // Where a failed append left bytes past the published size, until the file is cut back there.
    private (LogSegment Segment, int Size)? _tornTail;

    /// <summary>Published after each append: the high watermark and where its bytes end.</summary>
    private sealed record LogEnd(long Offset, LogSegment Segment, int Position);

    public string Directory { get; }
    /// <summary>Directory name, <c>&lt;topic&gt;-&lt;partition&gt;</c>.</summary>
    public string Name { get; }

    public LogConfig Config
    {
        get => Volatile.Read(ref _config);
        set
        {
            value.Validate();
            lock (_writeLock)
                Volatile.Write(ref _config, value);
        }
    }

    public long LogStartOffset => Volatile.Read(ref _logStartOffset);
    public long LogEndOffset => Volatile.Read(ref _end).Offset;
    /// <summary>Readers see offsets below it. Single node: the log end offset once an append has completed; a
    /// replicated log sets it (see <see cref="SetHighWatermark"/>).</summary>
    public long HighWatermark => ReadableEnd.Offset;
    /// <summary>Offset below which all data is known to be fsynced.</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);
    public IReadOnlyList<LogSegment> Segments => Volatile.Read(ref _segments);
    public int SegmentCount => Volatile.Read(ref _segments).Length;

    /// <summary>The leader epochs, kept in <see cref="LeaderEpochCache.FileName"/> in the partition directory.</summary>
    public LeaderEpochCache LeaderEpochs { get; }

    /// <summary>Bytes of all segments.</summary>
    public long Size
    {
        get
        {
            long total = 0;
            foreach (var segment in Volatile.Read(ref _segments))
                total += segment.Size;
            return total;
        }
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private PartitionLog(string directory, LogConfig config, ILogger logger, TimeProvider time, LogSegment[] segments, long logStartOffset, long recoveryPoint)
    {
        Directory = directory;
        Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        _config = config;
        _logger = logger;
        _time = time;
        _segments = segments;
        var last = segments[^1];
        _end = new LogEnd(last.NextOffset, last, last.Size);
        _logStartOffset = logStartOffset;
        _recoveryPoint = recoveryPoint;
        _lastFlushMs = NowMs;
        LeaderEpochs = LeaderEpochCache.Open(directory);
    }

    /// <summary>
    /// Opens (creating when absent) the partition directory. After an unclean stop
    /// (<paramref name="cleanShutdown"/> false) segments from the recovery point on are rescanned and
    /// truncated at the first invalid batch; later segments are deleted. Missing or corrupt indexes are
    /// rebuilt either way.
    /// </summary>
    public static PartitionLog Open(string directory, LogConfig config, bool cleanShutdown = false, ILogger? logger = null, TimeProvider? time = null)
    {
        config.Validate();
        logger ??= NullLogger.Instance;
        time ??= TimeProvider.System;
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        System.IO.Directory.CreateDirectory(directory);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        Compaction.SegmentSwap.Recover(directory, logger, name);

        var baseOffsets = new List<long>();
        foreach (string file in System.IO.Directory.EnumerateFiles(directory))
        {
            string fileName = Path.GetFileName(file);
            if (fileName.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal))
                File.Delete(file);
            else if (fileName.EndsWith(LogSegment.LogSuffix, StringComparison.Ordinal)
                && long.TryParse(fileName.AsSpan(0, fileName.Length - LogSegment.LogSuffix.Length), out long baseOffset) && baseOffset >= 0)
                baseOffsets.Add(baseOffset);
        }
        baseOffsets.Sort();
        DeleteOrphanIndexes(directory, baseOffsets);

        long logStart = OffsetCheckpoint.Read(Path.Combine(directory, LogStartOffsetFile), 0);
        long recoveryPoint = OffsetCheckpoint.Read(Path.Combine(directory, RecoveryPointFile), 0);
        var segments = new List<LogSegment>(baseOffsets.Count + 1);
        bool truncated = false;
        long previousNext = 0;
        for (int i = 0; i < baseOffsets.Count; i++)
        {
            var segment = LogSegment.OpenExisting(directory, baseOffsets[i], config.IndexIntervalBytes, now);
            if (truncated)
            {
                logger.LogWarning("{Log}: deleting segment {Segment} after a truncated one: dropped offsets >= {BaseOffset}, {Bytes} bytes",
                    name, segment.LogPath, segment.BaseOffset, segment.FileLength);
                segment.Delete();
                continue;
            }
            bool isLast = i == baseOffsets.Count - 1;
            bool mayHoldUnflushed = isLast || baseOffsets[i + 1] > recoveryPoint;
            bool loaded = (cleanShutdown || !mayHoldUnflushed) && LogRecovery.TryLoadFromIndexes(segment) && segment.BaseOffset >= previousNext;
            if (!loaded)
            {
                if (cleanShutdown || !mayHoldUnflushed)
                    logger.LogInformation("{Log}: rebuilding indexes of {Segment}", name, segment.LogPath);
                truncated = LogRecovery.RecoverSegment(segment, previousNext, seal: !isLast, logger, name);
            }
            else if (!isLast)
                segment.Seal();
            previousNext = segment.NextOffset;
            segments.Add(segment);
        }
        // A truncation may have left empty segments at the end; keep one as the active segment.
        while (segments.Count > 1 && segments[^1].Size == 0)
        {
            segments[^1].Delete();
            segments.RemoveAt(segments.Count - 1);
        }
        if (segments.Count == 0)
            segments.Add(LogSegment.Create(directory, logStart, config.IndexIntervalBytes, now));

        long logEnd = segments[^1].NextOffset;
        logStart = Math.Min(Math.Max(logStart, segments[0].BaseOffset), logEnd);
        var log = new PartitionLog(directory, config, logger, time, [.. segments], logStart, Math.Min(recoveryPoint, logEnd));
        log.LoadCleanerCheckpoint();
        if (!cleanShutdown || truncated)
            log.Flush();
        return log;
    }

    private static void DeleteOrphanIndexes(string directory, List<long> baseOffsets)
    {
        foreach (string file in System.IO.Directory.EnumerateFiles(directory))
        {
            string fileName = Path.GetFileName(file);
            string? suffix = fileName.EndsWith(LogSegment.IndexSuffix, StringComparison.Ordinal) ? LogSegment.IndexSuffix
                : fileName.EndsWith(LogSegment.TimeIndexSuffix, StringComparison.Ordinal) ? LogSegment.TimeIndexSuffix : null;
            if (suffix is null)
                continue;
            if (!long.TryParse(fileName.AsSpan(0, fileName.Length - suffix.Length), out long baseOffset) || baseOffsets.BinarySearch(baseOffset) < 0)
                File.Delete(file);
        }
    }

    /// <summary>Appends one record batch (validated first; offsets assigned by rewriting baseOffset in place).</summary>
    public AppendResult Append(Span<byte> batch, bool fsync = false)
    {
        if (RecordBatchHeader.TryRead(batch, out var header) == RecordBatchError.None && header.TotalSize != batch.Length && header.TotalSize <= batch.Length)
            return AppendResult.Failed(ErrorCode.CorruptMessage, RecordBatchError.InvalidRecord);
        return AppendBatches(batch, fsync);
    }

    /// <summary>
    /// Appends a produce request's records field (one or more batches): all are validated before any is
    /// written, then all are appended to one segment, or none. The bytes are modified in place (offsets, and
    /// timestamps under LogAppendTime). With <paramref name="fsync"/> (or FsyncBeforeAcknowledge) it returns
    /// only after the bytes are on disk.
    /// </summary>
    public AppendResult AppendBatches(Span<byte> records, bool fsync = false) => AppendBatches(records, fsync, assignOffsets: true);

    private AppendResult AppendBatches(Span<byte> records, bool fsync, bool assignOffsets)
    {
        var config = Config;
        if (Validate(records, config, Name, out long offsetCount, out int batches) is { } refused)
            return refused;

        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long now = NowMs;
            var end = _end;
            long baseOffset = end.Offset;
            long lastOffset = baseOffset + offsetCount - 1;
            bool logAppendTime = assignOffsets && config.MessageTimestampType == TimestampType.LogAppendTime;
            if (assignOffsets)
                AssignOffsets(records, baseOffset, logAppendTime ? now : -1);
            else if (!FollowsLogEnd(records, baseOffset, out lastOffset, out string? gap))
                return AppendResult.Failed(ErrorCode.InvalidRecord, RecordBatchError.InvalidRecord, gap);

            CutTornTail();
            var segment = end.Segment;
            if (ShouldRoll(segment, records.Length, lastOffset, now, config))
                segment = Roll(baseOffset, now);
            var mark = segment.Mark();
            int size;
            var newEnd = new LogEnd(lastOffset + 1, segment, segment.Size + records.Length);
            bool flush = fsync || config.FsyncBeforeAcknowledge || _unflushedMessages + offsetCount >= config.FlushMessages || now - _lastFlushMs >= config.FlushMs;
            try
            {
                size = segment.Write(records);
                if (flush)
                    FlushLocked(newEnd, now);
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
                _unflushedMessages += offsetCount;
            segment.Publish(size);
            Volatile.Write(ref _end, newEnd);
            RecordBatchHeader.TryRead(records, out var first);
            return new AppendResult(ErrorCode.None, RecordBatchError.None, baseOffset, lastOffset,
                logAppendTime ? now : -1, LogStartOffset, first, batches);
        }
    }

    /// <summary>Checks an append's batches as every engine does before writing any (size, CRC, record count,
    /// compression, keys of a compacted topic); null when they may be appended.</summary>
    internal static AppendResult? Validate(Span<byte> records, LogConfig config, string name, out long offsetCount, out int batches)
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
                return AppendResult.Failed(ToErrorCode(error), error);
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

    /// <summary>Cuts the active segment back to where a failed append began. Throws when the cut fails again
    /// (then nothing is appended: the next batch would follow the torn bytes after a restart).</summary>
    private void CutTornTail(bool throwOnFailure = true)
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
                Name, torn.Segment.LogPath, torn.Size, ex.Message);
        }
    }

    /// <summary>A compacted log keeps the latest record per key, so (as Kafka) a record without a key is refused. This
    /// is the one place the append path decodes records (decompressing if needed). False with
    /// <paramref name="decodeError"/> set when the records cannot be decoded at all.</summary>
    internal static bool AllRecordsHaveKeys(ReadOnlySpan<byte> batch, out string? decodeError)
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

    public static ErrorCode ToErrorCode(RecordBatchError error) => error switch
    {
        RecordBatchError.None => ErrorCode.None,
        RecordBatchError.Truncated or RecordBatchError.InvalidLength or RecordBatchError.UnsupportedMagic
            or RecordBatchError.CrcMismatch or RecordBatchError.CorruptCompressedData => ErrorCode.CorruptMessage,
        RecordBatchError.UnsupportedCompression => ErrorCode.UnsupportedCompressionType,
        _ => ErrorCode.InvalidRecord,
    };

    internal static void AssignOffsets(Span<byte> records, long baseOffset, long logAppendTime)
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

    private static bool ShouldRoll(LogSegment segment, int bytes, long lastOffset, long now, LogConfig config) =>
        segment.Size > 0 && ((long)segment.Size + bytes > config.SegmentBytes
            || lastOffset - segment.BaseOffset > int.MaxValue
            || now - segment.RollingBaseTimestamp > config.SegmentMs);

    /// <summary>Seals and fsyncs the active segment and starts a new one at <paramref name="baseOffset"/>.</summary>
    private LogSegment Roll(long baseOffset, long now)
    {
        var old = _end.Segment;
        old.Seal();
        old.Flush(indexes: true);
        var segment = LogSegment.Create(Directory, baseOffset, Config.IndexIntervalBytes, now);
        var segments = _segments;
        Volatile.Write(ref _segments, [.. segments, segment]);
        Volatile.Write(ref _end, new LogEnd(_end.Offset, segment, 0));
        _logger.LogDebug("{Log}: rolled segment at offset {Offset}", Name, baseOffset);
        return segment;
    }

    /// <summary>
    /// Reads whole batches starting with the one that contains <paramref name="offset"/>, up to
    /// <paramref name="maxBytes"/> (but at least one whole batch when <paramref name="minOneBatch"/>), never
    /// past the high watermark. OffsetOutOfRange when the offset is below the log start or above the
    /// high watermark; an empty result at the high watermark. Dispose the result after copying.
    /// </summary>
    public LogReadResult Read(long offset, int maxBytes, bool minOneBatch = true) => Read(offset, maxBytes, minOneBatch, toLogEnd: false);

    private LogReadResult Read(long offset, int maxBytes, bool minOneBatch, bool toLogEnd)
    {
        while (true)
        {
            var logEnd = Volatile.Read(ref _end);
            var readable = ReadableEnd;
            var end = toLogEnd ? logEnd : readable;
            var segments = Volatile.Read(ref _segments);
            long logStart = LogStartOffset;
            // Offsets between the high watermark and the log end exist but are not readable yet: an empty answer.
            if (offset < logStart || offset > logEnd.Offset)
                return new LogReadResult(ErrorCode.OffsetOutOfRange, readable.Offset, logStart);
            var result = new LogReadResult(ErrorCode.None, readable.Offset, logStart);
            if (offset >= end.Offset || CollectChunks(result, segments, end, offset, maxBytes, minOneBatch))
                return result;
            // A segment was deleted by retention between the snapshot and the read: start over.
            result.Dispose();
        }
    }

    /// <summary>False when a segment of the snapshot is gone (the caller retries).</summary>
    private static bool CollectChunks(LogReadResult result, LogSegment[] segments, LogEnd end, long offset, int maxBytes, bool minOneBatch)
    {
        long remaining = Math.Max(0, maxBytes);
        int start = FloorSegment(segments, offset);
        if (start < 0)
            start = 0;
        for (int i = start; i < segments.Length && segments[i].BaseOffset < end.Offset; i++)
        {
            var segment = segments[i];
            if (!result.TryReference(segment))
                return false;
            long limit = ReferenceEquals(segment, end.Segment) ? end.Position : segment.Size;
            long position = 0;
            if (i == start)
            {
                long relative = Math.Clamp(offset - segment.BaseOffset, 0, int.MaxValue);
                position = segment.Index.Lookup((int)relative).Position;
                while (position < limit)
                {
                    if (segment.ReadHeader(position, limit, out var header) != RecordBatchError.None)
                        return true; // undetected corruption: serve nothing past it
                    if (header.LastOffset >= offset)
                        break;
                    position += header.TotalSize;
                }
            }
            if (position >= limit)
                continue;
            long endPosition = FindEnd(segment, position, limit, remaining);
            if (endPosition == position)
            {
                if (result.Length > 0 || !minOneBatch || segment.ReadHeader(position, limit, out var header) != RecordBatchError.None)
                    return true;
                endPosition = position + header.TotalSize;
            }
            int length = (int)(endPosition - position);
            result.Add(segment.Handle, position, length);
            remaining -= length;
            if (endPosition < limit || remaining <= 0)
                return true;
        }
        return true;
    }

    /// <summary>Largest batch boundary at most <paramref name="budget"/> bytes after <paramref name="position"/>.</summary>
    private static long FindEnd(LogSegment segment, long position, long limit, long budget)
    {
        long want = position + budget;
        if (want >= limit)
            return limit;
        long p = Math.Max(segment.Index.LookupByPosition(want).Position, position);
        while (p < limit)
        {
            if (segment.ReadHeader(p, limit, out var header) != RecordBatchError.None || p + header.TotalSize > want)
                break;
            p += header.TotalSize;
        }
        return p;
    }

    private static int FloorSegment(LogSegment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>
    /// ListOffsets: the first record whose timestamp is &gt;= <paramref name="timestamp"/> (offset and timestamp;
    /// for compressed or LogAppendTime batches the batch's base offset and max timestamp), never below the log
    /// start offset; null when there is none. -2 = earliest, -1 = latest (high watermark).
    /// </summary>
    public TimestampOffset? LookupOffsetByTimestamp(long timestamp)
    {
        var end = Volatile.Read(ref _end);
        long logStart = LogStartOffset;
        if (timestamp == -2)
            return new TimestampOffset(logStart, -1);
        if (timestamp == -1)
            return new TimestampOffset(end.Offset, -1);
        var segments = Volatile.Read(ref _segments);
        for (int i = 0; i < segments.Length && segments[i].BaseOffset < end.Offset; i++)
        {
            var segment = segments[i];
            if (segment.MaxTimestamp < timestamp || segment.NextOffset <= logStart)
                continue;
            if (!segment.TryAcquire())
                continue; // deleted by retention meanwhile: a later segment holds the answer
            try
            {
                var found = ScanForTimestamp(segment, end, timestamp, logStart);
                if (found is not null)
                    return found;
            }
            finally
            {
                segment.Release();
            }
        }
        return null;
    }

    /// <summary>ListOffsets max timestamp (-3): the first record carrying the highest timestamp in the log; null
    /// when the log holds no record.</summary>
    public TimestampOffset? LookupMaxTimestamp()
    {
        var end = Volatile.Read(ref _end);
        long logStart = LogStartOffset;
        long max = -1;
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.BaseOffset >= end.Offset || segment.NextOffset <= logStart)
                continue;
            max = Math.Max(max, segment.MaxTimestamp);
        }
        return max < 0 ? null : LookupOffsetByTimestamp(max);
    }

    private static TimestampOffset? ScanForTimestamp(LogSegment segment, LogEnd end, long timestamp, long logStart)
    {
        long limit = ReferenceEquals(segment, end.Segment) ? end.Position : segment.Size;
        int startRelative = segment.TimeIndex.LookupBefore(timestamp).RelativeOffset;
        long position = segment.Index.Lookup(startRelative).Position;
        while (position < limit)
        {
            if (segment.ReadHeader(position, limit, out var header) != RecordBatchError.None)
                return null;
            if (header.MaxTimestamp >= timestamp && header.LastOffset >= logStart)
                return RecordTimestamps.Find(segment, position, header, timestamp, logStart);
            position += header.TotalSize;
        }
        return null;
    }

    /// <summary>
    /// Headers of the batches from the one containing <paramref name="fromOffset"/> to the high watermark, in
    /// order. For rebuilding producer state from the log tail; not for the fetch path.
    /// </summary>
    public IEnumerable<RecordBatchHeader> ReadBatchHeaders(long fromOffset)
    {
        var end = Volatile.Read(ref _end);
        var segments = Volatile.Read(ref _segments);
        int start = Math.Max(0, FloorSegment(segments, fromOffset));
        for (int i = start; i < segments.Length && segments[i].BaseOffset < end.Offset; i++)
        {
            var segment = segments[i];
            if (!segment.TryAcquire())
                continue;
            try
            {
                long limit = ReferenceEquals(segment, end.Segment) ? end.Position : segment.Size;
                long position = i == start
                    ? segment.Index.Lookup((int)Math.Clamp(fromOffset - segment.BaseOffset, 0, int.MaxValue)).Position
                    : 0;
                while (position < limit && segment.ReadHeader(position, limit, out var header) == RecordBatchError.None)
                {
                    position += header.TotalSize;
                    if (header.LastOffset >= fromOffset)
                        yield return header;
                }
            }
            finally
            {
                segment.Release();
            }
        }
    }

    /// <summary>DeleteRecords: moves the log start offset to <paramref name="offset"/> (persisted) and deletes
    /// segments wholly below it. OffsetOutOfRange above the high watermark.</summary>
    public ErrorCode DeleteRecordsBefore(long offset)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (offset < 0 || offset > _end.Offset)
                return ErrorCode.OffsetOutOfRange;
            if (offset <= _logStartOffset)
                return ErrorCode.None;
            Volatile.Write(ref _logStartOffset, offset);
            OffsetCheckpoint.Write(Path.Combine(Directory, LogStartOffsetFile), offset);
            if (offset == _end.Offset && _end.Segment.Size > 0)
                Roll(offset, NowMs);
            DeleteOldSegments(static (segment, next, log, _) => next is not null && next.BaseOffset <= log._logStartOffset, "below log start offset", 0);
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// Deletes closed segments past retention.ms (judged by their largest timestamp, or file time when they
    /// have none), beyond retention.bytes (both only under cleanup.policy delete), or below the log start offset.
    /// The active segment is never deleted.
    /// The broker calls this periodically. Returns the number of segments deleted.
    /// </summary>
    public int ApplyRetention(long nowMs)
    {
        lock (_writeLock)
        {
            if (_closed)
                return 0;
            var config = Config;
            int deleted = DeleteOldSegments(static (segment, next, log, _) => next is not null && next.BaseOffset <= log._logStartOffset, "below log start offset", nowMs);
            if (config.Delete && config.RetentionMs >= 0)
            {
                deleted += DeleteOldSegments(static (segment, _, log, now) =>
                {
                    long largest = segment.MaxTimestamp >= 0 ? segment.MaxTimestamp : segment.LastModifiedMs;
                    return now - largest > log.Config.RetentionMs;
                }, "retention.ms", nowMs);
            }
            if (config.Delete && config.RetentionBytes >= 0)
            {
                long excess = Size - config.RetentionBytes;
                foreach (var segment in _segments)
                {
                    if (ReferenceEquals(segment, _end.Segment) || excess - segment.Size < 0)
                        break;
                    excess -= segment.Size;
                    deleted += DeleteOldSegments((s, _, _, _) => ReferenceEquals(s, segment), "retention.bytes", nowMs);
                }
            }
            return deleted;
        }
    }

    /// <summary>Deletes the oldest closed segments while <paramref name="predicate"/> holds.</summary>
    private int DeleteOldSegments(Func<LogSegment, LogSegment?, PartitionLog, long, bool> predicate, string reason, long nowMs)
    {
        var segments = _segments;
        int count = 0;
        while (count < segments.Length - 1 && predicate(segments[count], segments[count + 1], this, nowMs))
            count++;
        if (count == 0)
            return 0;
        var remaining = segments[count..];
        Volatile.Write(ref _segments, remaining);
        long newStart = Math.Max(_logStartOffset, remaining[0].BaseOffset);
        if (newStart != _logStartOffset)
        {
            Volatile.Write(ref _logStartOffset, newStart);
            OffsetCheckpoint.Write(Path.Combine(Directory, LogStartOffsetFile), newStart);
        }
        for (int i = 0; i < count; i++)
        {
            _logger.LogInformation("{Log}: deleting segment {BaseOffset} ({Bytes} bytes, offsets {BaseOffset}..{Last}) by {Reason}",
                Name, segments[i].BaseOffset, segments[i].Size, segments[i].BaseOffset, segments[i].NextOffset - 1, reason);
            segments[i].Delete();
        }
        return count;
    }

    /// <summary>Flushes per flush.ms and persists the recovery point when it moved; the broker calls it periodically.</summary>
    public void FlushIfDue(long nowMs)
    {
        lock (_writeLock)
        {
            if (_closed)
                return;
            if (_unflushedMessages > 0 && nowMs - _lastFlushMs >= Config.FlushMs)
                FlushLocked(_end, nowMs);
            CheckpointRecoveryPoint();
        }
    }

    /// <summary>fsyncs everything appended so far and persists the recovery point.</summary>
    public void Flush()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            FlushLocked(_end, NowMs);
            CheckpointRecoveryPoint();
        }
    }

    /// <summary>fsyncs the log unless everything below <paramref name="offset"/> + 1 already is (a flush for another
    /// caller may have covered it): callers waiting for the same flush share one. The recovery point checkpoint is
    /// left to the periodic <see cref="FlushIfDue"/> and to <see cref="Close"/>.</summary>
    public void FlushTo(long offset)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_recoveryPoint > offset)
                return;
            FlushLocked(_end, NowMs);
        }
    }

    private void FlushLocked(LogEnd end, long now)
    {
        var segments = _segments;
        for (int i = Math.Max(0, FloorSegment(segments, _recoveryPoint)); i < segments.Length; i++)
            segments[i].Flush(indexes: !ReferenceEquals(segments[i], end.Segment));
        Volatile.Write(ref _recoveryPoint, end.Offset);
        _unflushedMessages = 0;
        _lastFlushMs = now;
    }

    private void CheckpointRecoveryPoint()
    {
        if (_recoveryPoint == _checkpointedRecoveryPoint)
            return;
        OffsetCheckpoint.Write(Path.Combine(Directory, RecoveryPointFile), _recoveryPoint);
        _checkpointedRecoveryPoint = _recoveryPoint;
    }

    /// <summary>
    /// Closes the files. Clean: everything (data, indexes, checkpoints) is flushed first, so the next open
    /// trusts it. Not clean: files are just closed, as after a crash (the next open recovers).
    /// </summary>
    public void Close(bool clean = true)
    {
        lock (_writeLock)
        {
            if (_closed)
                return;
            CutTornTail(throwOnFailure: false);
            if (clean)
            {
                foreach (var segment in _segments)
                    segment.Flush(indexes: true);
                Volatile.Write(ref _recoveryPoint, _end.Offset);
                CheckpointRecoveryPoint();
                OffsetCheckpoint.Write(Path.Combine(Directory, LogStartOffsetFile), _logStartOffset);
            }
            foreach (var segment in _segments)
                segment.Close();
            _closed = true;
        }
    }

    /// <summary>Closes the files and deletes the partition directory.</summary>
    public void Delete()
    {
        Close(clean: false);
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    public void Dispose() => Close(clean: true);

    public override string ToString() => $"{Name} [{LogStartOffset}, {LogEndOffset})";
}
