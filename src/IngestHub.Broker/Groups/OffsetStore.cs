using IngestHub.Broker.Metadata;
using IngestHub.Protocol.Primitives;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

/// <summary>
/// Committed offsets of every group, durable across a crash: an append-only log
/// (<c>offsets.log</c>) fsynced before a commit is acknowledged, and a compacted snapshot
/// (<c>offsets.snapshot</c>, replaced atomically) after which the log is truncated. Loading reads the
/// snapshot, then replays the log up to its first torn or corrupt record and cuts the log there.
/// Concurrent commits share one fsync.
/// </summary>
internal sealed class OffsetStore : IDisposable
{
    public const string LogFileName = "offsets.log";
    public const string SnapshotFileName = "offsets.snapshot";

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<GroupPartition, CommittedOffset>> _offsets = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _syncGate = new(1, 1);
    private readonly FileStream _log;
    private long _appended;
    private long _synced;
    private bool _disposed;

    public OffsetStore(string directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
        Directory.CreateDirectory(directory);
        LoadSnapshot();
        _log = new FileStream(Path.Combine(directory, LogFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.None);
        ReplayLog();
    }

    /// <summary>Bytes in the log since the last snapshot.</summary>
    public long LogLength
    {
        get { lock (_gate) return _log.Length; }
    }

    public IReadOnlyList<string> GroupIds()
    {
        lock (_gate)
            return [.. _offsets.Keys];
    }

    public bool HasOffsets(string group)
    {
        lock (_gate)
            return _offsets.TryGetValue(group, out var map) && map.Count > 0;
    }

    public bool TryGet(string group, GroupPartition partition, out CommittedOffset offset)
    {
        lock (_gate)
        {
            if (_offsets.TryGetValue(group, out var map) && map.TryGetValue(partition, out offset))
                return true;
        }
        offset = default;
        return false;
    }

    public List<KeyValuePair<GroupPartition, CommittedOffset>> GetAll(string group)
    {
        lock (_gate)
            return _offsets.TryGetValue(group, out var map) ? [.. map] : [];
    }

    /// <summary>Appends the commits, applies them and returns once they are on disk.</summary>
    public async Task CommitAsync(string group, IReadOnlyList<KeyValuePair<GroupPartition, CommittedOffset>> offsets, CancellationToken cancellationToken)
    {
        if (offsets.Count == 0)
            return;
        using var buffer = new PooledBufferWriter(256 * offsets.Count);
        foreach (var (partition, offset) in offsets)
            new OffsetLogRecord(false, group, partition, offset).WriteTo(buffer);
        long sequence;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _log.Write(buffer.WrittenSpan);
            _log.Flush();
            var map = GroupMap(group);
            foreach (var (partition, offset) in offsets)
                map[partition] = offset;
            sequence = ++_appended;
        }
        await SyncAsync(sequence, cancellationToken);
    }

    /// <summary>Removes the group's offsets that <paramref name="expired"/> selects; returns how many are left.
    /// Deletes are not fsynced: losing one only brings an expired offset back until the next expiry pass.</summary>
    public int Expire(string group, Func<CommittedOffset, bool> expired)
    {
        lock (_gate)
        {
            if (_disposed || !_offsets.TryGetValue(group, out var map))
                return 0;
            List<GroupPartition>? removed = null;
            foreach (var (partition, offset) in map)
            {
                if (expired(offset))
                    (removed ??= []).Add(partition);
            }
            if (removed is not null)
            {
                using var buffer = new PooledBufferWriter(128 * removed.Count);
                foreach (var partition in removed)
                {
                    map.Remove(partition);
                    new OffsetLogRecord(true, group, partition, new CommittedOffset(-1, -1, null, 0)).WriteTo(buffer);
                }
                _log.Write(buffer.WrittenSpan);
                _log.Flush();
            }
            if (map.Count == 0)
                _offsets.Remove(group);
            return map.Count;
        }
    }

    /// <summary>Writes every live offset to a new snapshot (atomically) and empties the log.</summary>
    public void WriteSnapshot()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            using var buffer = new PooledBufferWriter(64 * 1024);
            foreach (var (group, map) in _offsets)
            {
                foreach (var (partition, offset) in map)
                    new OffsetLogRecord(false, group, partition, offset).WriteTo(buffer);
            }
            string path = Path.Combine(_directory, SnapshotFileName);
            string temp = path + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(buffer.WrittenSpan);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            AtomicFile.FsyncDirectory(_directory);
            // A crash before this truncation replays records the snapshot already holds, which is harmless.
            _log.SetLength(0);
            _log.Flush(flushToDisk: true);
        }
    }

    private async Task SyncAsync(long sequence, CancellationToken cancellationToken)
    {
        await _syncGate.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _synced) >= sequence)
                return;
            long target;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                target = _appended;
            }
            // Everything up to target is already written to the OS; one fsync covers all waiting commits.
            RandomAccess.FlushToDisk(_log.SafeFileHandle);
            Volatile.Write(ref _synced, target);
        }
        finally
        {
            _syncGate.Release();
        }
    }

    private Dictionary<GroupPartition, CommittedOffset> GroupMap(string group)
    {
        if (!_offsets.TryGetValue(group, out var map))
        {
            map = [];
            _offsets[group] = map;
        }
        return map;
    }

    private void Apply(in OffsetLogRecord record)
    {
        if (record.IsDelete)
        {
            if (_offsets.TryGetValue(record.Group, out var map))
            {
                map.Remove(record.Partition);
                if (map.Count == 0)
                    _offsets.Remove(record.Group);
            }
        }
        else
        {
            GroupMap(record.Group)[record.Partition] = record.Offset;
        }
    }

    private void LoadSnapshot()
    {
        string path = Path.Combine(_directory, SnapshotFileName);
        if (!File.Exists(path))
            return;
        var data = File.ReadAllBytes(path);
        int valid = ApplyAll(data);
        if (valid != data.Length)
            _logger.LogWarning("Offsets snapshot {Path} is corrupt after byte {Valid} of {Length}; later entries ignored", path, valid, data.Length);
    }

    private void ReplayLog()
    {
        var data = new byte[_log.Length];
        _log.Position = 0;
        _log.ReadExactly(data);
        int valid = ApplyAll(data);
        if (valid != data.Length)
        {
            _logger.LogWarning("Offsets log has a torn or corrupt tail: {Dropped} bytes after byte {Valid} dropped", data.Length - valid, valid);
            _log.SetLength(valid);
            _log.Flush(flushToDisk: true);
        }
        _log.Position = valid;
    }

    private int ApplyAll(ReadOnlyMemory<byte> data)
    {
        int position = 0;
        while (position < data.Length && OffsetLogRecord.TryRead(data[position..], out var record, out int size))
        {
            Apply(record);
            position += size;
        }
        return position;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _log.Flush(flushToDisk: true);
            _log.Dispose();
        }
        _syncGate.Dispose();
    }
}
