using System.Buffers.Binary;
using IngestHub.Protocol.Records;

namespace IngestHub.Benchmarks;

/// <summary>Builds one uncompressed record batch (fixed-size values, no keys) with a valid CRC.</summary>
internal static class BenchBatch
{
    public static byte[] Build(int records, int valueSize, long timestamp)
    {
        var body = new List<byte>(records * (valueSize + 16));
        var value = new byte[valueSize];
        for (int i = 0; i < valueSize; i++)
            value[i] = (byte)('a' + i % 26);
        var record = new List<byte>(valueSize + 16);
        for (int n = 0; n < records; n++)
        {
            record.Clear();
            record.Add(0);
            Varint(record, 0);
            Varint(record, n);
            Varint(record, -1);
            Varint(record, valueSize);
            record.AddRange(value);
            Varint(record, 0);
            Varint(body, record.Count);
            body.AddRange(record);
        }
        var batch = new byte[RecordBatchHeader.Size + body.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1);
        span[16] = 2;
        BinaryPrimitives.WriteInt32BigEndian(span[23..], records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], -1);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records);
        body.CopyTo(batch, RecordBatchHeader.Size);
        BinaryPrimitives.WriteUInt32BigEndian(span[17..], RecordBatchHeader.ComputeCrc(batch));
        return batch;
    }

    private static void Varint(List<byte> output, long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80)
        {
            output.Add((byte)(v | 0x80));
            v >>= 7;
        }
        output.Add((byte)v);
    }
}
