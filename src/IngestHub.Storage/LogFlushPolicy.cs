namespace IngestHub.Storage;

/// <summary>
/// When a <see cref="PartitionLog"/> fsyncs (flush.messages, flush.ms, an fsync asked for by the append or
/// FsyncBeforeAcknowledge) and the recovery point that results: the offset below which all data is on disk, persisted in
/// <see cref="PartitionLog.RecoveryPointFile"/> so the next open after a crash rescans only what follows it. Changed only
/// under the log's write lock.
/// </summary>
internal sealed class LogFlushPolicy
{
    private readonly SegmentList _segments;
    private readonly string _checkpointPath;
    private long _recoveryPoint;
    private long _checkpointedRecoveryPoint = -1;
    private long _unflushedMessages;
    private long _lastFlushMs;

    public LogFlushPolicy(SegmentList segments, string directory, long recoveryPoint, long nowMs)
    {
        _segments = segments;
        _checkpointPath = Path.Combine(directory, PartitionLog.RecoveryPointFile);
        _recoveryPoint = recoveryPoint;
        _lastFlushMs = nowMs;
    }

    /// <summary>Offset below which all data is known to be fsynced.</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    /// <summary>Whether an append of <paramref name="offsetCount"/> offsets at <paramref name="now"/> is fsynced before it returns.</summary>
    public bool MustFlush(bool fsync, LogConfig config, long offsetCount, long now) =>
        fsync || config.FsyncBeforeAcknowledge || _unflushedMessages + offsetCount >= config.FlushMessages || now - _lastFlushMs >= config.FlushMs;

    /// <summary>Counts offsets appended without an fsync.</summary>
    public void Unflushed(long offsetCount) => _unflushedMessages += offsetCount;

    /// <summary>Whether flush.ms has passed with unflushed appends.</summary>
    public bool IsDue(long nowMs, LogConfig config) => _unflushedMessages > 0 && nowMs - _lastFlushMs >= config.FlushMs;

    /// <summary>fsyncs the segments from the recovery point to <paramref name="end"/> (indexes of sealed ones too)
    /// and moves the recovery point there.</summary>
    public void Flush(LogEnd end, long now)
    {
        var segments = _segments.Snapshot;
        for (int i = Math.Max(0, SegmentList.Floor(segments, _recoveryPoint)); i < segments.Length; i++)
            segments[i].Flush(indexes: !ReferenceEquals(segments[i], end.Segment));
        Volatile.Write(ref _recoveryPoint, end.Offset);
        _unflushedMessages = 0;
        _lastFlushMs = now;
    }

    /// <summary>Sets the recovery point after the caller fsynced everything up to <paramref name="offset"/> itself.</summary>
    public void FlushedTo(long offset) => Volatile.Write(ref _recoveryPoint, offset);

    /// <summary>Lowers the recovery point to <paramref name="offset"/> when it is beyond it (a truncation).</summary>
    public void ClampTo(long offset) => _recoveryPoint = Math.Min(_recoveryPoint, offset);

    /// <summary>Persists the recovery point when it moved since the last checkpoint.</summary>
    public void Checkpoint()
    {
        if (_recoveryPoint == _checkpointedRecoveryPoint)
            return;
        OffsetCheckpoint.Write(_checkpointPath, _recoveryPoint);
        _checkpointedRecoveryPoint = _recoveryPoint;
    }
}
