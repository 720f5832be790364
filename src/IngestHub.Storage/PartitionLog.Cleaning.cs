using System.Globalization;
using IngestHub.Storage.Compaction;

namespace IngestHub.Storage;

// What the log cleaner needs from a partition log: its checkpoint, time-based rolls, and the swap of cleaned segments.
public sealed partial class PartitionLog
{
    /// <summary>Per partition: where the next clean starts (the first dirty offset) and when the earliest tombstone
    /// kept by the last clean may be dropped.</summary>
    public const string CleanerCheckpointFile = "cleaner-offset-checkpoint";

    private long _firstDirtyOffset;
    private long _tombstoneHorizonMs = long.MaxValue;

    /// <summary>Offset from which records have not been compacted yet (0 until the first clean).</summary>
    public long FirstDirtyOffset => Math.Max(Volatile.Read(ref _firstDirtyOffset), LogStartOffset);

    /// <summary>Earliest delete horizon of a tombstone the cleaner kept; long.MaxValue when none is waiting.</summary>
    public long TombstoneHorizonMs => Volatile.Read(ref _tombstoneHorizonMs);

    /// <summary>Set when cleaning this log failed; the cleaner retries it later.</summary>
    public string? CleanerError { get; set; }

    private void LoadCleanerCheckpoint()
    {
        string path = Path.Combine(Directory, CleanerCheckpointFile);
        try
        {
            if (!File.Exists(path))
                return;
            var lines = File.ReadAllLines(path);
            if (lines.Length >= 3 && lines[0] == "0"
                && long.TryParse(lines[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long dirty) && dirty >= 0
                && long.TryParse(lines[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long horizon))
            {
                _firstDirtyOffset = Math.Min(dirty, LogEndOffset);
                _tombstoneHorizonMs = horizon;
            }
        }
        catch (IOException)
        {
            // An unreadable checkpoint only means the next clean starts from the log start.
        }
    }

    /// <summary>Persists the cleaner's progress (<see cref="AtomicFile"/>).</summary>
    internal void SaveCleanerCheckpoint(long firstDirtyOffset, long tombstoneHorizonMs)
    {
        lock (_writeLock)
        {
            if (_closed)
                return;
            string path = Path.Combine(Directory, CleanerCheckpointFile);
            AtomicFile.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"0\n{firstDirtyOffset}\n{tombstoneHorizonMs}\n"));
            Volatile.Write(ref _firstDirtyOffset, firstDirtyOffset);
            Volatile.Write(ref _tombstoneHorizonMs, tombstoneHorizonMs);
        }
    }

    /// <summary>
    /// segment.ms without appends: rolls a non-empty active segment whose first batch is older than segment.ms, so
    /// retention can delete it and the cleaner compact it (neither touches the active segment). Returns whether it rolled.
    /// </summary>
    public bool RollIfDue(long nowMs)
    {
        lock (_writeLock)
        {
            if (_closed)
                return false;
            var end = _segments.End;
            if (end.Segment.Size == 0 || nowMs - end.Segment.RollingBaseTimestamp <= Config.SegmentMs)
                return false;
            _segments.Roll(end.Offset, nowMs, Config.IndexIntervalBytes);
            return true;
        }
    }

    /// <summary>The segments as the cleaner sees them: all but the last are sealed and never written again.</summary>
    internal LogSegment[] SegmentSnapshot => _segments.Snapshot;

    internal LogSegment ActiveSegment => _segments.End.Segment;

    /// <summary>Base offset of the active segment: compaction reaches at most up to it.</summary>
    public long ActiveSegmentBaseOffset => ActiveSegment.BaseOffset;

    internal long NowMsForCleaner => NowMs;

    /// <summary>
    /// Swaps the cleaned files of <paramref name="group"/> (written as <c>&lt;base&gt;.log.cleaned</c> by the cleaner,
    /// closed and fsynced) into place, crash-safely (<see cref="SegmentSwap"/>), and publishes the new segment. False,
    /// with nothing changed on disk, when the group is no longer the log's (retention or a delete got there first).
    /// </summary>
    internal bool TryReplaceSegments(LogSegment[] group)
    {
        lock (_writeLock)
        {
            if (_closed)
                return false;
            var segments = _segments.Snapshot;
            int start = Array.IndexOf(segments, group[0]);
            if (start < 0 || start + group.Length > segments.Length - 1)
                return false;
            for (int k = 0; k < group.Length; k++)
            {
                if (!ReferenceEquals(segments[start + k], group[k]))
                    return false;
            }
            long baseOffset = group[0].BaseOffset;
            var bases = new long[group.Length];
            for (int k = 0; k < group.Length; k++)
                bases[k] = group[k].BaseOffset;
            try
            {
                SegmentSwap.Replace(Directory, bases, baseOffset);
            }
            catch (IOException)
            {
                // Bring the directory to one side of the swap now; continue only if that side is the new segment.
                if (!SegmentSwap.Recover(Directory, _logger, Name).Contains(baseOffset))
                    throw;
            }

            var replacement = LogSegment.OpenExisting(Directory, baseOffset, Config.IndexIntervalBytes, NowMs);
            if (LogRecovery.TryLoadFromIndexes(replacement))
                replacement.Seal();
            else
                LogRecovery.RecoverSegment(replacement, baseOffset, seal: true, _logger, Name);
            var next = new LogSegment[segments.Length - group.Length + 1];
            Array.Copy(segments, next, start);
            next[start] = replacement;
            Array.Copy(segments, start + group.Length, next, start + 1, segments.Length - start - group.Length);
            _segments.Replace(next);
            // The old files are gone from the directory; readers that still hold a segment keep reading its open file.
            foreach (var old in group)
                old.Close();
            return true;
        }
    }
}
