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
    // The parts, each changed only under _writeLock: the ordered segments and the published end, the write path,
    // the log start offset and retention, and the fsync policy with the recovery point.
    private readonly SegmentList _segments;
    private readonly LogAppender _appender;
    private readonly LogRetention _retention;
    private readonly LogFlushPolicy _flush;
    private bool _closed;
    private LogConfig _config;

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

    public long LogStartOffset => _retention.LogStartOffset;
    public long LogEndOffset => _segments.End.Offset;
    /// <summary>Readers see offsets below it. Single node: the log end offset once an append has completed; a
    /// replicated log sets it (see <see cref="SetHighWatermark"/>).</summary>
    public long HighWatermark => ReadableEnd.Offset;
    /// <summary>Offset below which all data is known to be fsynced.</summary>
    public long RecoveryPoint => _flush.RecoveryPoint;
    public IReadOnlyList<LogSegment> Segments => _segments.Snapshot;
    public int SegmentCount => _segments.Snapshot.Length;

    /// <summary>The leader epochs, kept in <see cref="LeaderEpochCache.FileName"/> in the partition directory.</summary>
    public LeaderEpochCache LeaderEpochs { get; }

    /// <summary>Bytes of all segments.</summary>
    public long Size => _segments.Size;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private PartitionLog(string directory, LogConfig config, ILogger logger, TimeProvider time, LogSegment[] segments, long logStartOffset, long recoveryPoint)
    {
        Directory = directory;
        Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        _config = config;
        _logger = logger;
        _time = time;
        _segments = new SegmentList(directory, Name, logger, segments);
        _retention = new LogRetention(_segments, directory, Name, logger, logStartOffset);
        _flush = new LogFlushPolicy(_segments, directory, recoveryPoint, NowMs);
        _appender = new LogAppender(_segments, _flush, _retention, directory, Name, logger);
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
        if (LogAppender.Validate(records, config, Name, out long offsetCount, out int batches) is { } refused)
            return refused;

        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return _appender.Append(records, fsync, assignOffsets, config, offsetCount, batches, NowMs);
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
            var logEnd = _segments.End;
            var readable = ReadableEnd;
            var end = toLogEnd ? logEnd : readable;
            var segments = _segments.Snapshot;
            long logStart = LogStartOffset;
            // Offsets between the high watermark and the log end exist but are not readable yet: an empty answer.
            if (offset < logStart || offset > logEnd.Offset)
                return new LogReadResult(ErrorCode.OffsetOutOfRange, readable.Offset, logStart);
            var result = new LogReadResult(ErrorCode.None, readable.Offset, logStart);
            if (offset >= end.Offset || SegmentList.CollectChunks(result, segments, end, offset, maxBytes, minOneBatch))
                return result;
            // A segment was deleted by retention between the snapshot and the read: start over.
            result.Dispose();
        }
    }

    /// <summary>
    /// ListOffsets: the first record whose timestamp is &gt;= <paramref name="timestamp"/> (offset and timestamp;
    /// for compressed or LogAppendTime batches the batch's base offset and max timestamp), never below the log
    /// start offset, searched up to the log end; null when there is none. -2 = earliest, -1 = latest (log end; ListOffsets
    /// answers latest with the high watermark and keeps only offsets below it).
    /// </summary>
    public TimestampOffset? LookupOffsetByTimestamp(long timestamp)
    {
        var end = _segments.End;
        long logStart = LogStartOffset;
        if (timestamp == -2)
            return new TimestampOffset(logStart, -1);
        if (timestamp == -1)
            return new TimestampOffset(end.Offset, -1);
        return _segments.FindByTimestamp(timestamp, end, logStart);
    }

    /// <summary>ListOffsets max timestamp (-3): the first record carrying the highest timestamp in the log; null
    /// when the log holds no record.</summary>
    public TimestampOffset? LookupMaxTimestamp()
    {
        long max = _segments.MaxTimestamp(_segments.End, LogStartOffset);
        return max < 0 ? null : LookupOffsetByTimestamp(max);
    }

    /// <summary>
    /// Headers of the batches from the one containing <paramref name="fromOffset"/> to the log end, in
    /// order. For rebuilding producer state from the log tail; not for the fetch path.
    /// </summary>
    public IEnumerable<RecordBatchHeader> ReadBatchHeaders(long fromOffset) => _segments.ReadBatchHeaders(fromOffset, _segments.End);

    /// <summary>DeleteRecords: moves the log start offset to <paramref name="offset"/> (persisted) and deletes
    /// segments wholly below it. OffsetOutOfRange above the log end.</summary>
    public ErrorCode DeleteRecordsBefore(long offset)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return _retention.DeleteRecordsBefore(offset, NowMs, Config.IndexIntervalBytes);
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
            return _retention.Apply(Config, nowMs);
        }
    }

    /// <summary>Flushes per flush.ms and persists the recovery point when it moved; the broker calls it periodically.</summary>
    public void FlushIfDue(long nowMs)
    {
        lock (_writeLock)
        {
            if (_closed)
                return;
            if (_flush.IsDue(nowMs, Config))
                _flush.Flush(_segments.End, nowMs);
            _flush.Checkpoint();
        }
    }

    /// <summary>fsyncs everything appended so far and persists the recovery point.</summary>
    public void Flush()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _flush.Flush(_segments.End, NowMs);
            _flush.Checkpoint();
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
            if (_flush.RecoveryPoint > offset)
                return;
            _flush.Flush(_segments.End, NowMs);
        }
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
            _appender.CutTornTail(throwOnFailure: false);
            if (clean)
            {
                foreach (var segment in _segments.Snapshot)
                    segment.Flush(indexes: true);
                _flush.FlushedTo(_segments.End.Offset);
                _flush.Checkpoint();
                _retention.WriteCheckpoint();
            }
            foreach (var segment in _segments.Snapshot)
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
