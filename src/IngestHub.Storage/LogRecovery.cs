using System.Buffers;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace IngestHub.Storage;

/// <summary>
/// Brings segments back to a consistent state on open: trusted segments load their indexes (sanity-checked,
/// rebuilt when missing or corrupt); segments at or after the recovery point of an unclean stop are rescanned
/// batch by batch (size, CRC-32C, increasing offsets), truncated at the first invalid batch, and re-indexed.
/// </summary>
public static class LogRecovery
{
    /// <summary>Loads a segment from its index files plus a header walk over the unindexed tail.
    /// False when the indexes are missing/corrupt or the tail does not walk cleanly to the file end.</summary>
    internal static bool TryLoadFromIndexes(LogSegment segment)
    {
        long fileLength = segment.FileLength;
        if (fileLength > int.MaxValue)
            return false;
        int size = (int)fileLength;
        if (!segment.Index.TryLoad(Math.Max(size, 1)) || !segment.TimeIndex.TryLoad(int.MaxValue))
            return false;
        if (size == 0)
        {
            if (segment.Index.Count != 0)
                return false;
            segment.ResetForRebuild();
            segment.SetRecoveredSize(0);
            return true;
        }
        if (segment.ReadHeader(0, size, out var first) != RecordBatchError.None || first.BaseOffset < segment.BaseOffset)
            return false;
        segment.ResumeFromIndexes();
        long position = segment.Index.LastEntry.Position;
        long previousLast = -1;
        while (position < size)
        {
            if (segment.ReadHeader(position, size, out var header) != RecordBatchError.None
                || header.BaseOffset <= previousLast || header.LastOffset - segment.BaseOffset > int.MaxValue
                || header.BaseOffset < segment.BaseOffset)
                return false;
            segment.Track(header, (int)position);
            previousLast = header.LastOffset;
            position += header.TotalSize;
        }
        segment.SetRecoveredSize(size);
        segment.RestoreRollingBase(first.MaxTimestamp);
        return true;
    }

    /// <summary>Rescans every batch of the segment, truncates at the first invalid one and rewrites both indexes.
    /// Returns true when bytes were dropped.</summary>
    internal static bool RecoverSegment(LogSegment segment, long minimumOffset, bool seal, ILogger logger, string logName)
    {
        segment.ResetForRebuild();
        long fileLength = segment.FileLength;
        long limit = Math.Min(fileLength, int.MaxValue);
        long position = 0;
        long expected = Math.Max(minimumOffset, segment.BaseOffset);
        string? reason = null;
        long firstTimestamp = -1;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(64 * 1024, RecordBatchHeader.Size));
        try
        {
            while (position < limit)
            {
                var error = segment.ReadHeader(position, limit, out var header);
                if (error != RecordBatchError.None)
                {
                    reason = error.ToString();
                    break;
                }
                if (header.BaseOffset < expected || header.LastOffset - segment.BaseOffset > int.MaxValue)
                {
                    reason = $"offset {header.BaseOffset} not increasing (expected >= {expected})";
                    break;
                }
                int total = header.TotalSize;
                if (total > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(total);
                }
                var span = buffer.AsSpan(0, total);
                if (RandomAccess.Read(segment.Handle, span, position) != total)
                {
                    reason = "short read";
                    break;
                }
                error = RecordBatchHeader.TryValidate(span, out header);
                if (error != RecordBatchError.None)
                {
                    reason = error.ToString();
                    break;
                }
                if (position == 0)
                    firstTimestamp = header.MaxTimestamp;
                segment.Track(header, (int)position);
                expected = header.LastOffset + 1;
                position += total;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (reason is null && fileLength > limit)
            reason = "segment larger than 2 GiB";
        bool truncated = position < fileLength;
        if (truncated)
        {
            logger.LogWarning(
                "{Log}: invalid batch in {Segment} at position {Position} ({Reason}); truncating: dropped {Bytes} bytes after offset {LastOffset}",
                logName, segment.LogPath, position, reason, fileLength - position, expected - 1);
            segment.TruncateFile(position);
        }
        segment.SetRecoveredSize((int)position);
        segment.RestoreRollingBase(firstTimestamp);
        if (seal)
            segment.Seal();
        segment.RewriteIndexes();
        return truncated;
    }
}
