using IngestHub.Protocol.Records;
using Microsoft.Win32.SafeHandles;

namespace IngestHub.Storage;

/// <summary>
/// One segment of a partition: <c>&lt;20-digit base offset&gt;.log</c> plus its <c>.index</c> and
/// <c>.timeindex</c>. Written by the partition's single writer; <see cref="Size"/> is published only after
/// the bytes (and index entries) of an append are in place, so readers never see a partial batch.
/// </summary>
public sealed class LogSegment
{
    public const string LogSuffix = ".log";
    public const string IndexSuffix = ".index";
    public const string TimeIndexSuffix = ".timeindex";

    private readonly int _indexIntervalBytes;
    private int _size;
    private long _nextOffset;
    private long _maxTimestamp = -1;
    private long _offsetOfMaxTimestamp;
    private int _bytesSinceIndexEntry;
    private bool _indexesDirty;
    // One reference for the log itself plus one per in-flight reader; the file handle closes at zero, so a
    // segment deleted by retention stays readable (unlinked) for reads that already hold it.
    private int _references = 1;

    public long BaseOffset { get; }
    public string LogPath { get; }
    public SafeFileHandle Handle { get; }
    public OffsetIndex Index { get; }
    public TimeIndex TimeIndex { get; }

    /// <summary>Bytes of complete batches visible to readers.</summary>
    public int Size => Volatile.Read(ref _size);
    /// <summary>Offset after the last batch in this segment (BaseOffset when empty).</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);
    /// <summary>Largest batch max-timestamp in the segment, -1 when none.</summary>
    public long MaxTimestamp => Volatile.Read(ref _maxTimestamp);
    /// <summary>Base offset of the batch holding <see cref="MaxTimestamp"/>.</summary>
    public long OffsetOfMaxTimestamp => _offsetOfMaxTimestamp;
    /// <summary>Time the segment.ms roll is judged from: the first batch's max timestamp, else creation time.</summary>
    internal long RollingBaseTimestamp { get; private set; }
    internal long CreatedMs { get; }

    private LogSegment(string directory, long baseOffset, int indexIntervalBytes, long nowMs, FileMode mode, string fileSuffix = "")
    {
        BaseOffset = baseOffset;
        _nextOffset = baseOffset;
        _indexIntervalBytes = indexIntervalBytes;
        LogPath = System.IO.Path.Combine(directory, FileName(baseOffset, LogSuffix) + fileSuffix);
        Handle = File.OpenHandle(LogPath, mode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        Index = new OffsetIndex(System.IO.Path.Combine(directory, FileName(baseOffset, IndexSuffix) + fileSuffix));
        TimeIndex = new TimeIndex(System.IO.Path.Combine(directory, FileName(baseOffset, TimeIndexSuffix) + fileSuffix));
        CreatedMs = nowMs;
        RollingBaseTimestamp = nowMs;
    }

    public static string FileName(long baseOffset, string suffix) => baseOffset.ToString("D20") + suffix;

    internal static LogSegment Create(string directory, long baseOffset, int indexIntervalBytes, long nowMs)
    {
        var segment = new LogSegment(directory, baseOffset, indexIntervalBytes, nowMs, FileMode.Create);
        File.Delete(segment.Index.Path);
        File.Delete(segment.TimeIndex.Path);
        return segment;
    }

    /// <summary>A segment written by the cleaner under temporary names (<c>&lt;base&gt;.log.cleaned</c> …), never
    /// published; <see cref="Compaction.SegmentSwap"/> renames its files into place once it is closed.</summary>
    internal static LogSegment CreateCleaned(string directory, long baseOffset, int indexIntervalBytes, long nowMs)
    {
        var segment = new LogSegment(directory, baseOffset, indexIntervalBytes, nowMs, FileMode.Create, Compaction.SegmentSwap.CleanedSuffix);
        File.Delete(segment.Index.Path);
        File.Delete(segment.TimeIndex.Path);
        return segment;
    }

    /// <summary>Opens existing files without reading them; <see cref="LogRecovery"/> loads or rebuilds the state.</summary>
    internal static LogSegment OpenExisting(string directory, long baseOffset, int indexIntervalBytes, long nowMs) =>
        new(directory, baseOffset, indexIntervalBytes, nowMs, FileMode.Open);

    internal long FileLength => RandomAccess.GetLength(Handle);

    internal long LastModifiedMs => new DateTimeOffset(File.GetLastWriteTimeUtc(LogPath)).ToUnixTimeMilliseconds();

    /// <summary>Writes whole, already validated batches (offsets assigned) at the end and indexes them.
    /// The caller publishes with <see cref="Publish"/> once everything else is done.</summary>
    internal int Write(ReadOnlySpan<byte> batches)
    {
        int position = _size;
        RandomAccess.Write(Handle, batches, position);
        int offset = 0;
        while (offset < batches.Length)
        {
            RecordBatchHeader.TryRead(batches[offset..], out var header);
            Track(header, position + offset);
            offset += header.TotalSize;
        }
        return position + batches.Length;
    }

    internal void Publish(int size) => Volatile.Write(ref _size, size);

    /// <summary>The writer's state before an append, to undo it with <see cref="RollBack"/> when it fails.</summary>
    internal readonly record struct WriteMark(int Size, long NextOffset, long MaxTimestamp, long OffsetOfMaxTimestamp,
        int BytesSinceIndexEntry, int IndexCount, int TimeIndexCount, bool IndexesDirty);

    internal WriteMark Mark() => new(_size, _nextOffset, _maxTimestamp, _offsetOfMaxTimestamp, _bytesSinceIndexEntry,
        Index.Count, TimeIndex.Count, _indexesDirty);

    /// <summary>Undoes an append that failed part-way (disk full, I/O error): indexes and counters go back to
    /// <paramref name="mark"/>, so the next append is written where the failed one began. The file itself is cut
    /// back by the caller (<see cref="TruncateFile"/>), which may fail again and be retried.</summary>
    internal void RollBack(WriteMark mark)
    {
        Index.TruncateTo(mark.IndexCount);
        TimeIndex.TruncateTo(mark.TimeIndexCount);
        Volatile.Write(ref _maxTimestamp, mark.MaxTimestamp);
        _offsetOfMaxTimestamp = mark.OffsetOfMaxTimestamp;
        _bytesSinceIndexEntry = mark.BytesSinceIndexEntry;
        _indexesDirty = mark.IndexesDirty;
        Volatile.Write(ref _nextOffset, mark.NextOffset);
    }

    /// <summary>Updates indexes and counters for a batch at <paramref name="position"/> (append and rebuild).</summary>
    internal void Track(in RecordBatchHeader header, int position)
    {
        if (header.MaxTimestamp > _maxTimestamp)
        {
            Volatile.Write(ref _maxTimestamp, header.MaxTimestamp);
            _offsetOfMaxTimestamp = header.BaseOffset;
        }
        if (_bytesSinceIndexEntry > _indexIntervalBytes)
        {
            Index.Append((int)(header.BaseOffset - BaseOffset), position);
            TimeIndex.MaybeAppend(_maxTimestamp, (int)(_offsetOfMaxTimestamp - BaseOffset));
            _bytesSinceIndexEntry = 0;
        }
        _bytesSinceIndexEntry += header.TotalSize;
        _indexesDirty = true;
        Volatile.Write(ref _nextOffset, header.LastOffset + 1);
    }

    /// <summary>Restores state after loading indexes: counters from the last index entries, then
    /// <see cref="Track"/> for the tail batches the caller scans.</summary>
    internal void ResumeFromIndexes()
    {
        var last = TimeIndex.LastEntry;
        _maxTimestamp = last.Timestamp;
        _offsetOfMaxTimestamp = BaseOffset + last.RelativeOffset;
        _bytesSinceIndexEntry = 0;
        _nextOffset = BaseOffset + Index.LastEntry.RelativeOffset;
    }

    /// <summary>After a load: judge segment.ms from the first batch's timestamp when it is plausible.</summary>
    internal void RestoreRollingBase(long firstBatchMaxTimestamp) =>
        RollingBaseTimestamp = firstBatchMaxTimestamp >= 0 && firstBatchMaxTimestamp <= CreatedMs ? firstBatchMaxTimestamp : CreatedMs;

    internal void SetRecoveredSize(int size) => Volatile.Write(ref _size, size);

    internal void ResetForRebuild()
    {
        Index.Clear();
        TimeIndex.Clear();
        _maxTimestamp = -1;
        _offsetOfMaxTimestamp = BaseOffset;
        _bytesSinceIndexEntry = 0;
        _nextOffset = BaseOffset;
        _indexesDirty = true;
    }

    /// <summary>Reads the 61-byte header at <paramref name="position"/>; the batch must end within <paramref name="limit"/>.</summary>
    internal RecordBatchError ReadHeader(long position, long limit, out RecordBatchHeader header)
    {
        Span<byte> buffer = stackalloc byte[RecordBatchHeader.Size];
        header = default;
        if (position + RecordBatchHeader.Size > limit)
            return RecordBatchError.Truncated;
        int read = RandomAccess.Read(Handle, buffer, position);
        if (read < RecordBatchHeader.Size)
            return RecordBatchError.Truncated;
        var error = RecordBatchHeader.TryRead(buffer, out header);
        if (error == RecordBatchError.None && position + header.TotalSize > limit)
            return RecordBatchError.Truncated;
        return error;
    }

    /// <summary>Adds the final time-index entry so the last entry holds the segment's largest timestamp.</summary>
    internal void Seal()
    {
        int before = TimeIndex.Count;
        TimeIndex.MaybeAppend(_maxTimestamp, (int)(_offsetOfMaxTimestamp - BaseOffset));
        _indexesDirty |= TimeIndex.Count != before;
    }

    /// <summary>fsyncs the data; with <paramref name="indexes"/> also writes and fsyncs both index files.</summary>
    internal void Flush(bool indexes)
    {
        RandomAccess.FlushToDisk(Handle);
        if (indexes && _indexesDirty)
        {
            Index.Persist(fsync: true);
            TimeIndex.Persist(fsync: true);
            _indexesDirty = false;
        }
    }

    /// <summary>Rewrites both index files from memory (after a rebuild).</summary>
    internal void RewriteIndexes()
    {
        Index.Persist(fsync: true, rewrite: true);
        TimeIndex.Persist(fsync: true, rewrite: true);
        _indexesDirty = false;
    }

    internal void TruncateFile(long length)
    {
        RandomAccess.SetLength(Handle, length);
        RandomAccess.FlushToDisk(Handle);
    }

    /// <summary>Takes a reader reference; false when the segment was already closed or deleted.</summary>
    internal bool TryAcquire()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current == 0)
                return false;
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
                return true;
        }
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
            Handle.Dispose();
    }

    /// <summary>Drops the log's own reference; the handle closes once no reader holds the segment.</summary>
    internal void Close() => Release();

    /// <summary>Deletes the files and closes. Readers holding a reference keep reading the unlinked file.</summary>
    internal void Delete()
    {
        File.Delete(LogPath);
        File.Delete(Index.Path);
        File.Delete(TimeIndex.Path);
        Release();
    }

    public override string ToString() => $"segment {BaseOffset} ({Size} bytes)";
}
