using System.Buffers;
using Microsoft.Extensions.Logging;

namespace IngestHub.Storage.Compaction;

/// <summary>
/// Compacts logs with <c>cleanup.policy=compact</c>: keeps the latest record per key, drops tombstones once their
/// delete horizon (first clean that kept them + <c>delete.retention.ms</c>) has passed, and never touches the active
/// segment. One clean:
/// <list type="number">
/// <item>builds the key → latest offset map over the dirty sealed segments (from the cleaner checkpoint on), at least
/// one whole segment and then as many as fit the dedupe buffer, stopping before a segment younger than
/// <c>min.compaction.lag.ms</c>;</item>
/// <item>rewrites every sealed segment below that point, in groups that fit one segment (<c>segment.bytes</c>, offsets
/// within an int of the group's base), each into <c>&lt;base&gt;.log.cleaned</c>, fsynced;</item>
/// <item>swaps each group's files in crash-safely (<see cref="SegmentSwap"/>) and publishes the new segment; readers
/// holding the old segments finish on their open files;</item>
/// <item>saves the checkpoint: the first dirty offset and the earliest tombstone horizon kept.</item>
/// </list>
/// Offsets never move: batches keep their base and last offsets, so the log has gaps where records went.
/// </summary>
public sealed class LogCleaner(CleanerOptions options, ILogger logger)
{
    private readonly OffsetMap _map = new(options.DedupeBufferSize);

    /// <summary>Test hook: called after each group is written (before its swap); throwing simulates a crash there.</summary>
    internal static Action<long>? GroupWrittenHook { get; set; }

    /// <summary>The share of the sealed part of the log that has not been cleaned yet (0 when nothing is sealed).</summary>
    public static double DirtyRatio(PartitionLog log)
    {
        var segments = log.SegmentSnapshot;
        long firstDirty = log.FirstDirtyOffset;
        long clean = 0, dirty = 0;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            if (segments[i + 1].BaseOffset <= firstDirty)
                clean += segments[i].Size;
            else
                dirty += segments[i].Size;
        }
        return clean + dirty == 0 ? 0 : (double)dirty / (clean + dirty);
    }

    /// <summary>Whether <paramref name="log"/> should be cleaned now: compacted, and its dirty ratio reached
    /// <c>min.cleanable.dirty.ratio</c>, or a dirty segment is older than <c>max.compaction.lag.ms</c>, or a kept
    /// tombstone's horizon has passed.</summary>
    public static bool NeedsCleaning(PartitionLog log, long nowMs)
    {
        var config = log.Config;
        if (!config.Compact)
            return false;
        var segments = log.SegmentSnapshot;
        if (segments.Length < 2)
            return false;
        if (log.TombstoneHorizonMs <= nowMs)
            return true;
        long firstDirty = log.FirstDirtyOffset;
        int firstDirtyIndex = FirstDirtySegment(segments, firstDirty);
        if (firstDirtyIndex >= segments.Length - 1)
            return false;
        if (config.MaxCompactionLagMs < long.MaxValue && segments[firstDirtyIndex].MaxTimestamp >= 0
            && nowMs - segments[firstDirtyIndex].MaxTimestamp > config.MaxCompactionLagMs)
            return true;
        double ratio = DirtyRatio(log);
        return ratio > 0 && ratio >= config.MinCleanableDirtyRatio;
    }

    /// <summary>Cleans <paramref name="log"/> once (see the type's summary). Throws <see cref="InvalidDataException"/>
    /// on a corrupt batch (the log is left as it was), <see cref="SegmentGoneException"/> when a segment was deleted
    /// meanwhile, <see cref="IOException"/> on a disk error, <see cref="OperationCanceledException"/> when stopped.</summary>
    public CleanResult Clean(PartitionLog log, long nowMs, CancellationToken cancellationToken)
    {
        var config = log.Config;
        var segments = log.SegmentSnapshot;
        int sealedCount = segments.Length - 1;
        long firstDirty = log.FirstDirtyOffset;
        if (sealedCount < 1)
            return CleanResult.Skipped(firstDirty, "no sealed segment");

        var stats = new CleanStats { SegmentsBefore = segments.Length };
        var throttle = new IoThrottle(options.IoMaxBytesPerSecond);
        _map.Clear();
        int dirtyIndex = FirstDirtySegment(segments, firstDirty);
        int endIndex = dirtyIndex;
        while (endIndex < sealedCount)
        {
            var segment = segments[endIndex];
            if (endIndex > dirtyIndex && _map.IsFull)
                break;
            if (config.MinCompactionLagMs > 0 && segment.MaxTimestamp > nowMs - config.MinCompactionLagMs)
                break;
            AddKeys(segment, firstDirty, throttle, ref stats, cancellationToken);
            endIndex++;
        }
        bool tombstonesDue = log.TombstoneHorizonMs <= nowMs;
        if (endIndex == dirtyIndex && !tombstonesDue)
            return CleanResult.Skipped(firstDirty, "no dirty segment old enough to clean");
        long endOffset = segments[endIndex].BaseOffset;

        long earliestHorizon = long.MaxValue;
        using var writer = new CompactedBatchWriter();
        using var output = new Protocol.Primitives.PooledBufferWriter(Math.Max(options.IoBufferSize, 64 * 1024));
        int start = 0;
        while (start < endIndex)
        {
            int end = start + 1;
            long size = segments[start].Size;
            while (end < endIndex && size + segments[end].Size <= config.SegmentBytes
                && segments[end + 1].BaseOffset - segments[start].BaseOffset < int.MaxValue)
            {
                size += segments[end].Size;
                end++;
            }
            var group = segments[start..end];
            CleanGroup(log, group, writer, output, nowMs, throttle, ref stats, ref earliestHorizon, cancellationToken);
            start = end;
        }

        log.SaveCleanerCheckpoint(endOffset, earliestHorizon);
        stats.SegmentsAfter = log.SegmentSnapshot.Length;
        logger.LogInformation(
            "{Log}: cleaned offsets below {End}: read {Read} bytes, wrote {Written}; dropped {Superseded} superseded records, {Tombstones} tombstones, {Keyless} without key; {Before} segments -> {After}",
            log.Name, endOffset, stats.BytesRead, stats.BytesWritten, stats.SupersededDropped, stats.TombstonesDropped, stats.KeylessDropped,
            stats.SegmentsBefore, stats.SegmentsAfter);
        return new CleanResult(true, endOffset, stats);
    }

    private static int FirstDirtySegment(LogSegment[] segments, long firstDirty)
    {
        int index = 0;
        while (index < segments.Length - 1 && segments[index + 1].BaseOffset <= firstDirty)
            index++;
        return index;
    }

    private void AddKeys(LogSegment segment, long fromOffset, IoThrottle throttle, ref CleanStats stats, CancellationToken cancellationToken)
    {
        using var cursor = new SegmentBatchCursor(segment, options.IoBufferSize, throttle);
        while (cursor.TryNext(out var batch, out var header, cancellationToken))
        {
            stats.BytesRead += batch.Length;
            if (header.LastOffset < fromOffset || header.IsControl)
                continue;
            if (!CompactedBatchWriter.AddKeys(batch, fromOffset, _map, out _))
                stats.UndecodableBatches++;
        }
    }

    private void CleanGroup(PartitionLog log, LogSegment[] group, CompactedBatchWriter writer, Protocol.Primitives.PooledBufferWriter output,
        long nowMs, IoThrottle throttle, ref CleanStats stats, ref long earliestHorizon, CancellationToken cancellationToken)
    {
        var config = log.Config;
        long baseOffset = group[0].BaseOffset;
        var cleaned = LogSegment.CreateCleaned(log.Directory, baseOffset, config.IndexIntervalBytes, nowMs);
        bool swapped = false, closed = false;
        try
        {
            int position = 0;
            output.Clear();
            foreach (var segment in group)
            {
                using var cursor = new SegmentBatchCursor(segment, options.IoBufferSize, throttle);
                while (cursor.TryNext(out var batch, out var header, cancellationToken))
                {
                    stats.BatchesRead++;
                    var outcome = writer.Filter(batch, header, _map, nowMs, config.DeleteRetentionMs, output, ref stats, ref earliestHorizon);
                    if (outcome is CompactedBatchWriter.Outcome.Unchanged or CompactedBatchWriter.Outcome.Undecodable)
                        output.Write(batch);
                    if (outcome == CompactedBatchWriter.Outcome.Undecodable)
                        stats.UndecodableBatches++;
                    if (output.WrittenCount >= options.IoBufferSize)
                        position = Flush(cleaned, output, throttle, ref stats, cancellationToken);
                }
            }
            if (output.WrittenCount > 0)
                position = Flush(cleaned, output, throttle, ref stats, cancellationToken);
            cleaned.Publish(position);
            cleaned.Seal();
            cleaned.Flush(indexes: true);
            cleaned.Close();
            closed = true;
            GroupWrittenHook?.Invoke(baseOffset);
            cancellationToken.ThrowIfCancellationRequested();
            swapped = log.TryReplaceSegments(group);
            if (!swapped)
                throw new SegmentGoneException(baseOffset);
        }
        finally
        {
            if (!swapped)
            {
                if (!closed)
                    cleaned.Close();
                SegmentSwap.DiscardCleaned(log.Directory, baseOffset);
            }
        }
    }

    private static int Flush(LogSegment cleaned, Protocol.Primitives.PooledBufferWriter output, IoThrottle throttle, ref CleanStats stats,
        CancellationToken cancellationToken)
    {
        int position = cleaned.Write(output.WrittenSpan);
        cleaned.Publish(position);
        stats.BytesWritten += output.WrittenCount;
        throttle.Consume(output.WrittenCount, cancellationToken);
        output.Clear();
        return position;
    }
}
