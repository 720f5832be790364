using System.Buffers;
using IngestHub.Protocol.Records;

namespace IngestHub.Storage;

/// <summary>
/// Finds the first record at or after a timestamp inside one stored batch, for ListOffsets. Only
/// uncompressed CreateTime batches are walked (a varint skip per record, no decoding of keys or values);
/// otherwise the batch's base offset and max timestamp answer.
/// </summary>
internal static class RecordTimestamps
{
    public static TimestampOffset Find(LogSegment segment, long position, in RecordBatchHeader header, long timestamp, long logStart)
    {
        var batchAnswer = new TimestampOffset(Math.Max(header.BaseOffset, logStart), header.MaxTimestamp);
        if (header.Compression != CompressionType.None || (header.Attributes & RecordBatchHeader.TimestampTypeFlag) != 0)
            return batchAnswer;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(header.TotalSize);
        try
        {
            var batch = buffer.AsSpan(0, header.TotalSize);
            if (RandomAccess.Read(segment.Handle, batch, position) != batch.Length)
                return batchAnswer;
            return Find(batch, header, timestamp, logStart);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>As above for a batch already in memory (<paramref name="batch"/> holds exactly the batch).</summary>
    public static TimestampOffset Find(ReadOnlySpan<byte> batch, in RecordBatchHeader header, long timestamp, long logStart)
    {
        var batchAnswer = new TimestampOffset(Math.Max(header.BaseOffset, logStart), header.MaxTimestamp);
        if (header.Compression != CompressionType.None || (header.Attributes & RecordBatchHeader.TimestampTypeFlag) != 0)
            return batchAnswer;
        var records = batch[RecordBatchHeader.Size..];
        for (int i = 0; i < header.RecordCount; i++)
        {
            if (!TryReadVarlong(ref records, out long length) || length < 0 || length > records.Length)
                return batchAnswer;
            var record = records[..(int)length];
            records = records[(int)length..];
            if (record.IsEmpty)
                return batchAnswer;
            record = record[1..]; // attributes
            if (!TryReadVarlong(ref record, out long timestampDelta) || !TryReadVarlong(ref record, out long offsetDelta))
                return batchAnswer;
            long recordTimestamp = header.BaseTimestamp + timestampDelta;
            long offset = header.BaseOffset + offsetDelta;
            if (recordTimestamp >= timestamp && offset >= logStart)
                return new TimestampOffset(offset, recordTimestamp);
        }
        return batchAnswer;
    }

    private static bool TryReadVarlong(ref ReadOnlySpan<byte> input, out long value)
    {
        ulong raw = 0;
        for (int i = 0, shift = 0; i < 10 && i < input.Length; i++, shift += 7)
        {
            byte b = input[i];
            raw |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                input = input[(i + 1)..];
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return true;
            }
        }
        value = 0;
        return false;
    }
}
