using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace IngestHub.Storage;

/// <summary>
/// Sparse offset → file position index of one segment (<c>.index</c>: 4-byte relative offset + 4-byte
/// position, big-endian). Held in memory; entries are persisted on flush. One writer; readers are
/// lock-free (an entry is written before the count that publishes it).
/// </summary>
public sealed class OffsetIndex
{
    public const int EntrySize = 8;

    private Entry[] _entries = new Entry[16];
    private int _count;
    private int _persisted;

    internal readonly record struct Entry(int RelativeOffset, int Position);

    public string Path { get; }
    public int Count => Volatile.Read(ref _count);

    internal OffsetIndex(string path) => Path = path;

    internal void Append(int relativeOffset, int position)
    {
        int n = _count;
        if (n > 0 && _entries[n - 1].RelativeOffset >= relativeOffset)
            return;
        if (n == _entries.Length)
        {
            var grown = new Entry[n * 2];
            Array.Copy(_entries, grown, n);
            Volatile.Write(ref _entries, grown);
        }
        _entries[n] = new Entry(relativeOffset, position);
        Volatile.Write(ref _count, n + 1);
    }

    internal Entry LastEntry => _count == 0 ? default : _entries[_count - 1];

    /// <summary>Greatest entry whose relative offset is &lt;= target; (0, 0) when none.</summary>
    internal Entry Lookup(int relativeOffset)
    {
        int n = Volatile.Read(ref _count);
        var entries = Volatile.Read(ref _entries);
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid].RelativeOffset <= relativeOffset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? default : entries[found];
    }

    /// <summary>Greatest entry whose position is &lt;= target; (0, 0) when none.</summary>
    internal Entry LookupByPosition(long position)
    {
        int n = Volatile.Read(ref _count);
        var entries = Volatile.Read(ref _entries);
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid].Position <= position) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? default : entries[found];
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

    /// <summary>Loads the file; false when it is missing or fails the sanity check (then the index is empty).</summary>
    internal bool TryLoad(int segmentSize)
    {
        Clear();
        if (!File.Exists(Path))
            return false;
        byte[] bytes = File.ReadAllBytes(Path);
        if (bytes.Length % EntrySize != 0)
            return false;
        int prevRel = -1, prevPos = -1;
        for (int i = 0; i < bytes.Length; i += EntrySize)
        {
            int rel = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i));
            int pos = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 4));
            if (rel <= prevRel || pos <= prevPos || pos >= segmentSize)
            {
                Clear();
                return false;
            }
            Append(rel, pos);
            prevRel = rel;
            prevPos = pos;
        }
        _persisted = _count;
        return true;
    }

    /// <summary>Writes entries not yet on disk; rewrites the whole file when <paramref name="rewrite"/>.</summary>
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
        WriteEntries(handle, _persisted, n);
        _persisted = n;
        if (fsync)
            RandomAccess.FlushToDisk(handle);
    }

    private void WriteEntries(SafeFileHandle handle, int from, int to)
    {
        if (to <= from)
            return;
        byte[] buffer = new byte[(to - from) * EntrySize];
        for (int i = from; i < to; i++)
        {
            var e = _entries[i];
            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan((i - from) * EntrySize), e.RelativeOffset);
            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan((i - from) * EntrySize + 4), e.Position);
        }
        RandomAccess.Write(handle, buffer, (long)from * EntrySize);
    }
}
