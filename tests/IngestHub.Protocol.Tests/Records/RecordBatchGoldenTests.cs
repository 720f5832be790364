using System.Buffers.Binary;
using IngestHub.Protocol.Primitives;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Protocol.Tests.Records;

public class RecordBatchGoldenTests
{
    /// <summary>Two records written out field by field from the batch v2 layout, with the CRC-32C of bytes 21..84
    /// worked out independently (bitwise, reflected polynomial 0x82F63B78).</summary>
    internal static byte[] HandAssembledBatch()
    {
        byte[] bytes =
        [
            0, 0, 0, 0, 0, 0, 0, 0,             // baseOffset 0
            0, 0, 0, 73,                        // batchLength: 85 total - 12
            0xFF, 0xFF, 0xFF, 0xFF,             // partitionLeaderEpoch -1
            2,                                  // magic
            0x99, 0xF4, 0x20, 0x61,             // crc
            0, 0,                               // attributes: no compression, CreateTime
            0, 0, 0, 1,                         // lastOffsetDelta 1
            0, 0, 0, 0, 0, 0, 0x03, 0xE8,       // baseTimestamp 1000
            0, 0, 0, 0, 0, 0, 0x03, 0xED,       // maxTimestamp 1005
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // producerId -1
            0xFF, 0xFF,                         // producerEpoch -1
            0xFF, 0xFF, 0xFF, 0xFF,             // baseSequence -1
            0, 0, 0, 2,                         // recordCount 2
            // record 0: null key, value "hi", no headers
            0x10,                               // length 8 (zigzag 16)
            0x00,                               // attributes
            0x00,                               // timestampDelta 0
            0x00,                               // offsetDelta 0
            0x01,                               // keyLength -1 (null)
            0x04, 0x68, 0x69,                   // valueLength 2, "hi"
            0x00,                               // headerCount 0
            // record 1: key "k", empty value, headers h=[0xFF], n=null
            0x1C,                               // length 14
            0x00,                               // attributes
            0x0A,                               // timestampDelta 5
            0x02,                               // offsetDelta 1
            0x02, 0x6B,                         // keyLength 1, "k"
            0x00,                               // valueLength 0
            0x04,                               // headerCount 2
            0x02, 0x68, 0x02, 0xFF,             // "h" → [0xFF]
            0x02, 0x6E, 0x01,                   // "n" → null
        ];
        return bytes;
    }

    [Fact]
    public void Crc32c_matches_the_published_check_value_and_the_golden_batch()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
        byte[] golden = HandAssembledBatch();
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(golden.AsSpan(17)), RecordBatchHeader.ComputeCrc(golden));
    }

    [Fact]
    public void Builder_output_matches_the_hand_assembled_batch_byte_for_byte()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(1000, null, "hi"u8.ToArray());
        builder.Append(1005, "k"u8.ToArray(), Array.Empty<byte>(),
            [new RecordHeaderEntry("h", new byte[] { 0xFF }), new RecordHeaderEntry("n", null)]);
        byte[] expected = HandAssembledBatch();
        byte[] actual = builder.ToArray();
        Assert.Equal(Convert.ToHexString(expected.AsSpan(21)), Convert.ToHexString(actual.AsSpan(21)));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Hand_assembled_batch_decodes()
    {
        byte[] batch = HandAssembledBatch();
        Assert.Equal(RecordBatchError.None, RecordBatchHeader.TryValidate(batch, out var header));
        Assert.Equal(2, header.RecordCount);

        var reader = new RecordBatchReader(batch);
        try
        {
            Assert.True(reader.MoveNext());
            var first = reader.Current;
            Assert.Equal(0, first.Offset);
            Assert.Equal(1000, first.Timestamp);
            Assert.True(first.IsKeyNull);
            Assert.Equal("hi"u8.ToArray(), first.Value.ToArray());
            Assert.Equal(0, first.HeaderCount);

            Assert.True(reader.MoveNext());
            var second = reader.Current;
            Assert.Equal(1, second.Offset);
            Assert.Equal(1005, second.Timestamp);
            Assert.Equal(5, second.TimestampDelta);
            Assert.Equal("k"u8.ToArray(), second.Key.ToArray());
            Assert.False(second.IsValueNull);
            Assert.True(second.Value.IsEmpty);
            var headers = new List<string>();
            foreach (var h in second.Headers)
                headers.Add(h.GetKey() + "=" + (h.IsValueNull ? "null" : Convert.ToHexString(h.Value)));
            Assert.Equal(["h=FF", "n=null"], headers);

            Assert.False(reader.MoveNext());
            Assert.Equal(RecordBatchError.None, reader.Error);
        }
        finally
        {
            reader.Dispose();
        }
    }

    [Fact]
    public void Rewriting_base_offset_keeps_the_crc_and_shifts_record_offsets()
    {
        byte[] batch = HandAssembledBatch();
        RecordBatchHeader.SetBaseOffset(batch, 500);
        Assert.Equal(RecordBatchError.None, BatchBytes.Decode(batch, out var records));
        Assert.Equal([500L, 501L], records.Select(r => r.Offset));
    }
}
