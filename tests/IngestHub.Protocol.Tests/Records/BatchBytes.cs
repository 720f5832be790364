using System.Buffers.Binary;
using IngestHub.Protocol.Records;

namespace IngestHub.Protocol.Tests.Records;

/// <summary>Crafts batch bytes for tests: arbitrary records sections, resealed CRCs, decode-all shortcuts.</summary>
internal static class BatchBytes
{
    /// <summary>Recomputes the CRC so a deliberate change reaches the record parser.</summary>
    public static byte[] Reseal(byte[] batch)
    {
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset), RecordBatchHeader.ComputeCrc(batch));
        return batch;
    }

    /// <summary>A header (pid/epoch/seq -1) around <paramref name="section"/>, CRC filled in.</summary>
    public static byte[] Seal(byte[] section, int recordCount, int lastOffsetDelta, short attributes = 0)
    {
        var batch = new byte[RecordBatchHeader.Size + section.Length];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - 12);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1);
        span[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[21..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], lastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], 1000);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], 1000);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], -1);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], recordCount);
        section.CopyTo(span[61..]);
        return Reseal(batch);
    }

    public static RecordBatchError Decode(byte[] batch, out List<DecodedRecord> records)
    {
        records = [];
        return RecordBatchDecoder.TryDecodeBatch(batch, records, out _);
    }

    /// <summary>Decodes with the zero-copy reader only, counting records; used where only the outcome matters.</summary>
    public static RecordBatchError Drain(ReadOnlySpan<byte> batch, int maxRecordsBytes = RecordBatchReader.DefaultMaxRecordsBytes)
    {
        var reader = new RecordBatchReader(batch, maxRecordsBytes);
        try
        {
            while (reader.MoveNext())
            {
                foreach (var header in reader.Current.Headers)
                    _ = header.Value.Length + header.KeyUtf8.Length;
            }
            return reader.Error;
        }
        finally
        {
            reader.Dispose();
        }
    }
}
