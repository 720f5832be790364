using System.Buffers.Binary;

namespace IngestHub.Storage;

/// <summary>
/// Timestamp → offset index of one segment (<c>.timeindex</c>: 8-byte timestamp + 4-byte relative offset,
/// big-endian). An entry is added at index points when the segment's max timestamp has grown, and once more
/// when the segment is sealed, so the last entry holds the segment's largest timestamp.
/// </summary>
public sealed class TimeIndex
{
    public const int EntrySize = 12;

    private Entry[] _entries = new Entry[16];
    private int _count;
    private int _persisted;

    internal readonly record struct Entry(long Timestamp, int RelativeOffset);

    public string Path { get; }
    public int Count => Volatile.Read(ref _count);

    internal TimeIndex(string path) => Path = path;

    internal Entry LastEntry => _count == 0 ? new Entry(-1, 0) : _entries[_count - 1];

    /// <summary>Adds an entry when the timestamp is larger than the last one.</summary>
    internal void MaybeAppend(long timestamp, int relativeOffset)
    {
        int n = _count;
        if (timestamp < 0 || (n > 0 && _entries[n - 1].Timestamp >= timestamp))
            return;
        if (n == _entries.Length)
        {
            var grown = new Entry[n * 2];
            Array.Copy(_entries, grown, n);
            Volatile.Write(ref _entries, grown);
        }
        _entries[n] = new Entry(timestamp, relativeOffset);
        Volatile.Write(ref _count, n + 1);
    }

    /// <summary>Greatest entry whose timestamp is below <paramref name="timestamp"/>: every batch up to its offset
    /// is older, so a scan may start there. (0 relative, -1) when none.</summary>
    internal Entry LookupBefore(long timestamp)
    {
        int n = Volatile.Read(ref _count);
        var entries = Volatile.Read(ref _entries);
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid].Timestamp < timestamp) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? new Entry(-1, 0) : entries[found];
    }

    /// <summary>Drops the entries from <paramref name="count"/> on (undoing an append that failed).</summary>
    internal void TruncateTo(int count)
    {
        if (count >= _count)
            return;
        Volatile.Write(ref _count, count);
        _persisted = Math.Min(_persisted, count);
    }

    internal void Clear()
    {
        _entries = new Entry[16];
        Volatile.Write(ref _count, 0);
        _persisted = 0;
    }

    /// <summary>Loads the file; false when missing or failing the sanity check (then the index is empty).</summary>
    internal bool TryLoad(long maxRelativeOffset)
    {
        Clear();
        if (!File.Exists(Path))
            return false;
        byte[] bytes = File.ReadAllBytes(Path);
        if (bytes.Length % EntrySize != 0)
            return false;
        long prevTs = -1;
        for (int i = 0; i < bytes.Length; i += EntrySize)
        {
            long ts = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(i));
            int rel = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 8));
            if (ts <= prevTs || rel < 0 || rel > maxRelativeOffset)
            {
                Clear();
                return false;
            }
            MaybeAppend(ts, rel);
            prevTs = ts;
        }
        _persisted = _count;
        return true;
    }

    internal void Persist(bool fsync, bool rewrite = false)
    {
        if (rewrite)
            _persisted = 0;
        int n = _count;
        if (n == _persisted && !rewrite && !fsync)
            return;
        using var handle = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (rewrite)
            RandomAccess.SetLength(handle, 0);
        if (n > _persisted)
        {
            byte[] buffer = new byte[(n - _persisted) * EntrySize];
            for (int i = _persisted; i < n; i++)
            {
                var e = _entries[i];
                BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan((i - _persisted) * EntrySize), e.Timestamp);
                BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan((i - _persisted) * EntrySize + 8), e.RelativeOffset);
            }
            RandomAccess.Write(handle, buffer, (long)_persisted * EntrySize);
        }
        _persisted = n;
        if (fsync)
            RandomAccess.FlushToDisk(handle);
    }
}
