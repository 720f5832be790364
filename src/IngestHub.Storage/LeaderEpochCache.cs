using System.Globalization;
using System.Text;
using IngestHub.Protocol.Records;

namespace IngestHub.Storage;

/// <summary>
/// The leader epochs of one partition and the offset each began at, kept in the partition directory as
/// <c>leader-epoch-checkpoint</c> (Kafka's layout: a version line, a count line, then "epoch startOffset" lines),
/// replaced atomically. A partition starts at epoch 0; each time this broker takes leadership again (every start)
/// a new epoch begins at the log end offset. Batches are stamped with the epoch they were appended in, and
/// OffsetForLeaderEpoch and Fetch's diverging-epoch check answer from this table.
/// </summary>
public sealed class LeaderEpochCache
{
    public const string FileName = "leader-epoch-checkpoint";
    private const int FormatVersion = 0;

    private readonly string? _path;
    private readonly Lock _gate = new();
    private readonly List<(int Epoch, long StartOffset)> _entries;

    private LeaderEpochCache(string? path, List<(int, long)> entries)
    {
        _path = path;
        _entries = entries;
    }

    /// <summary>The current epoch (-1 before the first leadership).</summary>
    public int Latest
    {
        get
        {
            lock (_gate)
                return _entries.Count == 0 ? -1 : _entries[^1].Epoch;
        }
    }

    public IReadOnlyList<(int Epoch, long StartOffset)> Entries
    {
        get
        {
            lock (_gate)
                return [.. _entries];
        }
    }

    /// <summary>A cache kept in memory only (a log that keeps no files).</summary>
    public static LeaderEpochCache InMemory() => new(null, []);

    /// <summary>Reads the checkpoint of <paramref name="directory"/>; a missing or unreadable one is empty.</summary>
    public static LeaderEpochCache Open(string directory)
    {
        string path = Path.Combine(directory, FileName);
        var entries = new List<(int, long)>();
        if (File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length >= 2 && lines[0].Trim() == "0" && int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                for (int i = 0; i < count && i + 2 < lines.Length; i++)
                {
                    var parts = lines[i + 2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 2
                        && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)
                        && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
                        && (entries.Count == 0 || (epoch > entries[^1].Item1 && start >= entries[^1].Item2)))
                        entries.Add((epoch, start));
                }
            }
        }
        return new LeaderEpochCache(path, entries);
    }

    /// <summary>Begins the next epoch at <paramref name="logEndOffset"/> and persists it; returns the new epoch.
    /// An earlier epoch that began at the same offset (no record was written in it) is replaced.</summary>
    public int BeginNextEpoch(long logEndOffset)
    {
        lock (_gate)
        {
            int epoch = _entries.Count == 0 ? 0 : _entries[^1].Epoch + 1;
            while (_entries.Count > 0 && _entries[^1].StartOffset >= logEndOffset)
                _entries.RemoveAt(_entries.Count - 1);
            _entries.Add((epoch, logEndOffset));
            Save();
            return epoch;
        }
    }

    /// <summary>Records that <paramref name="epoch"/> (above every epoch known) begins at <paramref name="startOffset"/>;
    /// an earlier epoch that began at or after it (no record written in it) is replaced.</summary>
    public void Begin(int epoch, long startOffset)
    {
        lock (_gate)
        {
            if (_entries.Count > 0 && epoch <= _entries[^1].Epoch)
                return;
            while (_entries.Count > 0 && _entries[^1].StartOffset >= startOffset)
                _entries.RemoveAt(_entries.Count - 1);
            _entries.Add((epoch, startOffset));
            Save();
        }
    }

    /// <summary>Forgets the epochs that begin at or after <paramref name="offset"/> (after the log was truncated there).</summary>
    public void TruncateFrom(long offset)
    {
        lock (_gate)
        {
            int before = _entries.Count;
            while (_entries.Count > 0 && _entries[^1].StartOffset >= offset && _entries.Count > 1)
                _entries.RemoveAt(_entries.Count - 1);
            if (_entries.Count != before)
                Save();
        }
    }

    /// <summary>
    /// Kafka's answer to "where does epoch <paramref name="requested"/> end": the current epoch ends at the log end
    /// offset; an earlier one at the start of the next epoch that exists, reported with the largest epoch at or
    /// below the one asked for; an epoch below the first ends where the first begins. An epoch above the current
    /// one is unknown: (-1, -1).
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int requested, long logEndOffset)
    {
        lock (_gate)
        {
            if (requested < 0 || _entries.Count == 0 || requested > _entries[^1].Epoch)
                return (-1, -1);
            if (requested == _entries[^1].Epoch)
                return (requested, logEndOffset);
            int floor = -1;
            for (int i = 0; i < _entries.Count; i++)
            {
                if (_entries[i].Epoch > requested)
                    return (floor < 0 ? requested : _entries[floor].Epoch, _entries[i].StartOffset);
                floor = i;
            }
            return (-1, -1);
        }
    }

    /// <summary>A follower's append: each batch stamped with an epoch above the latest begins that epoch at its base
    /// offset.</summary>
    public void FollowBatches(ReadOnlySpan<byte> records)
    {
        for (int offset = 0; offset < records.Length;)
        {
            if (RecordBatchHeader.TryRead(records[offset..], out var header) != RecordBatchError.None)
                return;
            if (header.PartitionLeaderEpoch > Latest)
                Begin(header.PartitionLeaderEpoch, header.BaseOffset);
            offset += header.TotalSize;
        }
    }

    private void Save()
    {
        if (_path is null)
            return;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{FormatVersion}\n{_entries.Count}\n");
        foreach (var (epoch, start) in _entries)
            text.Append(CultureInfo.InvariantCulture, $"{epoch} {start}\n");
        AtomicFile.WriteAllText(_path, text.ToString());
    }
}
