using System.Buffers.Binary;
using IngestHub.Protocol.Primitives;
using IngestHub.Protocol.Records;

namespace IngestHub.Storage.Compaction;

/// <summary>
/// Filters one stored batch for compaction: a record stays when it is the latest for its key (per the
/// <see cref="OffsetMap"/>) and is not a tombstone past its delete horizon; records without a key are dropped (a
/// compacted topic refuses them on append; they can only come from before the topic became compacted).
/// A batch that keeps everything and needs no new delete horizon is copied byte for byte. Otherwise the kept
/// records are re-encoded into a batch with the same base offset, last offset delta (so offsets never move and
/// the batch still ends where it did), producer fields and codec. A batch that keeps a tombstone gets a delete
/// horizon (KIP-534: attribute bit 6, baseTimestamp = first clean + delete.retention.ms, record timestamp deltas
/// rebased on it); a later clean after that time drops the tombstone.
/// </summary>
internal sealed class CompactedBatchWriter : IDisposable
{
    private readonly PooledBufferWriter _records = new(64 * 1024);
    private readonly PooledBufferWriter _compressed = new(16 * 1024);

    public enum Outcome
    {
        /// <summary>Copy the source batch unchanged.</summary>
        Unchanged,
        /// <summary>The rewritten batch was appended to the output.</summary>
        Rewritten,
        /// <summary>Nothing of the batch is kept.</summary>
        Dropped,
        /// <summary>The records cannot be decoded (corrupt, or a codec this build cannot read): keep the batch unchanged.</summary>
        Undecodable,
    }

    /// <summary>Adds the keys of <paramref name="batch"/> at or after <paramref name="fromOffset"/> to the map. False when
    /// the records cannot be decoded (their keys stay unknown, so nothing older is dropped for them).</summary>
    public static bool AddKeys(ReadOnlySpan<byte> batch, long fromOffset, OffsetMap map, out string? error)
    {
        var reader = new RecordBatchReader(batch, verifyCrc: false);
        try
        {
            while (reader.MoveNext())
            {
                var record = reader.Current;
                if (record.Offset >= fromOffset && !record.IsKeyNull)
                    map.Put(OffsetMap.Hash(record.Key), record.Offset);
            }
            error = reader.Error == RecordBatchError.None ? null : reader.ErrorMessage;
            return reader.Error == RecordBatchError.None;
        }
        finally
        {
            reader.Dispose();
        }
    }

    /// <summary>Decides what of <paramref name="batch"/> stays; a rewritten batch is appended to <paramref name="output"/>.
    /// <paramref name="earliestHorizon"/> is lowered to the delete horizon of a kept tombstone.</summary>
    public Outcome Filter(ReadOnlySpan<byte> batch, in RecordBatchHeader header, OffsetMap map, long nowMs, long deleteRetentionMs,
        PooledBufferWriter output, ref CleanStats stats, ref long earliestHorizon)
    {
        if (header.IsControl)
            return Outcome.Unchanged;
        long horizon = header.DeleteHorizonMs;
        bool logAppendTime = (header.Attributes & RecordBatchHeader.TimestampTypeFlag) != 0;
        _records.Clear();
        int kept = 0;
        bool keptTombstone = false;
        long firstTimestamp = -1, maxTimestamp = -1;
        var reader = new RecordBatchReader(batch, verifyCrc: false);
        try
        {
            // First pass decides; the records section is built at the same time and used only when something changed.
            int seen = 0;
            while (reader.MoveNext())
            {
                var record = reader.Current;
                seen++;
                if (record.IsKeyNull)
                {
                    stats.KeylessDropped++;
                    continue;
                }
                if (!map.IsLatest(OffsetMap.Hash(record.Key), record.Offset))
                {
                    stats.SupersededDropped++;
                    continue;
                }
                if (record.IsValueNull)
                {
                    if (horizon >= 0 && nowMs >= horizon)
                    {
                        stats.TombstonesDropped++;
                        continue;
                    }
                    keptTombstone = true;
                }
                long timestamp = header.BaseTimestamp + record.TimestampDelta;
                if (kept == 0)
                    firstTimestamp = timestamp;
                maxTimestamp = Math.Max(maxTimestamp, timestamp);
                kept++;
            }
            if (reader.Error != RecordBatchError.None)
                return Outcome.Undecodable;
            if (kept == 0)
                return Outcome.Dropped;
            long newHorizon = keptTombstone ? (horizon >= 0 ? horizon : nowMs + deleteRetentionMs) : -1;
            if (keptTombstone)
                earliestHorizon = Math.Min(earliestHorizon, newHorizon);
            if (kept == seen && newHorizon == horizon)
                return Outcome.Unchanged;

            long baseTimestamp = newHorizon >= 0 ? newHorizon : horizon >= 0 ? firstTimestamp : header.BaseTimestamp;
            EncodeKept(batch, header, map, nowMs, horizon, baseTimestamp);
            WriteBatch(batch, header, kept, newHorizon, baseTimestamp, logAppendTime ? header.MaxTimestamp : maxTimestamp, output);
            return Outcome.Rewritten;
        }
        finally
        {
            reader.Dispose();
        }
    }

    /// <summary>Second pass: encodes the records the first pass kept, timestamps rebased on <paramref name="baseTimestamp"/>.</summary>
    private void EncodeKept(ReadOnlySpan<byte> batch, in RecordBatchHeader header, OffsetMap map, long nowMs, long horizon, long baseTimestamp)
    {
        var reader = new RecordBatchReader(batch, verifyCrc: false);
        try
        {
            while (reader.MoveNext())
            {
                var record = reader.Current;
                if (record.IsKeyNull || !map.IsLatest(OffsetMap.Hash(record.Key), record.Offset)
                    || (record.IsValueNull && horizon >= 0 && nowMs >= horizon))
                    continue;
                WriteRecord(record, header.BaseTimestamp + record.TimestampDelta - baseTimestamp);
            }
        }
        finally
        {
            reader.Dispose();
        }
    }

    private void WriteRecord(in Record record, long timestampDelta)
    {
        int keyLength = record.Key.Length;
        int valueLength = record.IsValueNull ? -1 : record.Value.Length;
        var headers = record.EncodedHeaders;
        long bodyLength = 1 + Varint.SizeOfVarlong(timestampDelta) + Varint.SizeOfVarint(record.OffsetDelta)
            + Varint.SizeOfVarint(keyLength) + keyLength
            + Varint.SizeOfVarint(valueLength) + Math.Max(valueLength, 0)
            + Varint.SizeOfVarint(record.HeaderCount) + headers.Length;
        int total = Varint.SizeOfVarint((int)bodyLength) + (int)bodyLength;
        var span = _records.GetSpan(total);
        int pos = Varint.WriteVarint(span, (int)bodyLength);
        span[pos++] = (byte)record.Attributes;
        pos += Varint.WriteVarlong(span[pos..], timestampDelta);
        pos += Varint.WriteVarint(span[pos..], record.OffsetDelta);
        pos += Varint.WriteVarint(span[pos..], keyLength);
        record.Key.CopyTo(span[pos..]);
        pos += keyLength;
        pos += Varint.WriteVarint(span[pos..], valueLength);
        if (valueLength > 0)
        {
            record.Value.CopyTo(span[pos..]);
            pos += valueLength;
        }
        pos += Varint.WriteVarint(span[pos..], record.HeaderCount);
        headers.CopyTo(span[pos..]);
        pos += headers.Length;
        _records.Advance(pos);
    }

    private void WriteBatch(ReadOnlySpan<byte> source, in RecordBatchHeader header, int count, long deleteHorizon, long baseTimestamp,
        long maxTimestamp, PooledBufferWriter output)
    {
        var compression = header.Compression;
        ReadOnlySpan<byte> section = _records.WrittenSpan;
        if (compression != CompressionType.None)
        {
            _compressed.Clear();
            bool xerial = compression == CompressionType.Snappy
                && RecordsCompressor.IsXerialSnappy(source[RecordBatchHeader.Size..header.TotalSize]);
            RecordsCompressor.Compress(compression, section, _compressed, xerial);
            section = _compressed.WrittenSpan;
        }
        int size = RecordBatchHeader.Size + section.Length;
        var batch = output.GetSpan(size)[..size];
        short attributes = (short)((header.Attributes & ~(RecordBatchHeader.CompressionMask | RecordBatchHeader.DeleteHorizonFlag))
            | (int)compression | (deleteHorizon >= 0 ? RecordBatchHeader.DeleteHorizonFlag : 0));
        source[..RecordBatchHeader.Size].CopyTo(batch);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..], size - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.BaseTimestampOffset..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..], maxTimestamp);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.RecordCountOffset..], count);
        section.CopyTo(batch[RecordBatchHeader.Size..]);
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(batch));
        output.Advance(size);
    }

    public void Dispose()
    {
        _records.Dispose();
        _compressed.Dispose();
    }
}
