using System.Buffers.Binary;
using System.Text;
using IngestHub.Protocol.Records;

namespace IngestHub.Storage.Tests;

/// <summary>Test-only builder/parser of uncompressed magic-2 record batches (key/value records, no headers).</summary>
internal static class TestBatches
{
    public readonly record struct Record(long Offset, long Timestamp, string? Key, string Value);

    public static byte[] Build(long baseTimestamp, params string[] values) => Build(baseTimestamp, 1, values);

    /// <summary>Record i gets timestamp baseTimestamp + i * step and key "k{i}".</summary>
    public static byte[] Build(long baseTimestamp, long step, IReadOnlyList<string> values, long producerId = -1, int baseSequence = -1)
    {
        var records = new List<byte>();
        long maxTs = baseTimestamp;
        for (int i = 0; i < values.Count; i++)
        {
            var body = new List<byte> { 0 };
            WriteVarlong(body, i * step);
            WriteVarlong(body, i);
            byte[] key = Encoding.UTF8.GetBytes("k" + i);
            WriteVarlong(body, key.Length);
            body.AddRange(key);
            byte[] value = Encoding.UTF8.GetBytes(values[i]);
            WriteVarlong(body, value.Length);
            body.AddRange(value);
            WriteVarlong(body, 0);
            WriteVarlong(records, body.Count);
            records.AddRange(body);
            maxTs = Math.Max(maxTs, baseTimestamp + i * step);
        }
        var batch = new byte[RecordBatchHeader.Size + records.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1);
        span[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[21..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], values.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], maxTs);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], (short)(producerId >= 0 ? 0 : -1));
        BinaryPrimitives.WriteInt32BigEndian(span[53..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], values.Count);
        records.CopyTo(batch, RecordBatchHeader.Size);
        BinaryPrimitives.WriteUInt32BigEndian(span[17..], RecordBatchHeader.ComputeCrc(batch));
        return batch;
    }

    /// <summary>Parses consecutive batches (validating each CRC) into records with absolute offsets.</summary>
    public static List<Record> Parse(ReadOnlySpan<byte> bytes)
    {
        var result = new List<Record>();
        while (!bytes.IsEmpty)
        {
            var error = RecordBatchHeader.TryValidate(bytes, out var header);
            if (error != RecordBatchError.None)
                throw new InvalidDataException($"invalid batch: {error}");
            var body = bytes[RecordBatchHeader.Size..header.TotalSize];
            for (int i = 0; i < header.RecordCount; i++)
            {
                long length = ReadVarlong(ref body);
                var record = body[..(int)length];
                body = body[(int)length..];
                record = record[1..];
                long tsDelta = ReadVarlong(ref record);
                long offsetDelta = ReadVarlong(ref record);
                int keyLength = (int)ReadVarlong(ref record);
                string? key = keyLength < 0 ? null : Encoding.UTF8.GetString(record[..keyLength]);
                record = record[Math.Max(keyLength, 0)..];
                int valueLength = (int)ReadVarlong(ref record);
                string value = Encoding.UTF8.GetString(record[..valueLength]);
                result.Add(new Record(header.BaseOffset + offsetDelta, header.BaseTimestamp + tsDelta, key, value));
            }
            bytes = bytes[header.TotalSize..];
        }
        return result;
    }

    public static List<Record> ReadAll(IPartitionLog log, long from, int maxBytes = int.MaxValue)
    {
        using var result = log.Read(from, maxBytes);
        var buffer = new byte[result.Length];
        result.CopyTo(buffer);
        return Parse(buffer);
    }

    private static void WriteVarlong(List<byte> output, long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80)
        {
            output.Add((byte)(v | 0x80));
            v >>= 7;
        }
        output.Add((byte)v);
    }

    private static long ReadVarlong(ref ReadOnlySpan<byte> input)
    {
        ulong v = 0;
        int shift = 0;
        while (true)
        {
            byte b = input[0];
            input = input[1..];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                break;
            shift += 7;
        }
        return (long)(v >> 1) ^ -(long)(v & 1);
    }
}
