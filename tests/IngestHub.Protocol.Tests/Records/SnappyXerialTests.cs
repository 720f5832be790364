using System.Buffers.Binary;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Protocol.Tests.Records;

public class SnappyXerialTests
{
    private static byte[] RecordsSection(out byte[] plainBatch)
    {
        using var builder = new RecordBatchBuilder();
        for (int i = 0; i < 50; i++)
            builder.Append(2000 + i, null, System.Text.Encoding.ASCII.GetBytes($"line {i} of a repetitive log message"));
        plainBatch = builder.ToArray();
        return plainBatch[RecordBatchHeader.Size..];
    }

    /// <summary>Frames like snappy-java's SnappyOutputStream: magic, version, compat version, then
    /// [big-endian chunk length][raw snappy chunk]… Two chunks to exercise the loop.</summary>
    private static byte[] XerialFrame(byte[] section)
    {
        var framed = new List<byte> { 0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0 };
        framed.AddRange([0, 0, 0, 1, 0, 0, 0, 1]);
        int half = section.Length / 2;
        foreach (var part in new[] { section[..half], section[half..] })
        {
            byte[] chunk = IronSnappy.Snappy.Encode(part);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, chunk.Length);
            framed.AddRange(length);
            framed.AddRange(chunk);
        }
        return [.. framed];
    }

    [Fact]
    public void Xerial_framed_snappy_batch_decodes()
    {
        byte[] section = RecordsSection(out byte[] plain);
        byte[] batch = BatchBytes.Seal(XerialFrame(section), recordCount: 50, lastOffsetDelta: 49, attributes: (short)CompressionType.Snappy);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(27), 2000);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(35), 2049);
        BatchBytes.Reseal(batch);

        Assert.Equal(RecordBatchError.None, BatchBytes.Decode(batch, out var records));
        Assert.Equal(RecordBatchError.None, BatchBytes.Decode(plain, out var expected));
        Assert.Equal(50, records.Count);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(expected[i].Offset, records[i].Offset);
            Assert.Equal(expected[i].Timestamp, records[i].Timestamp);
            Assert.Equal(expected[i].Value, records[i].Value);
        }
    }

    [Fact]
    public void Raw_snappy_from_the_builder_is_what_ironsnappy_decodes()
    {
        byte[] section = RecordsSection(out _);
        using var builder = new RecordBatchBuilder(CompressionType.Snappy);
        for (int i = 0; i < 50; i++)
            builder.Append(2000 + i, null, System.Text.Encoding.ASCII.GetBytes($"line {i} of a repetitive log message"));
        byte[] batch = builder.ToArray();
        Assert.Equal(section, IronSnappy.Snappy.Decode(batch.AsSpan(RecordBatchHeader.Size)));
    }

    [Fact]
    public void Builder_xerial_output_starts_with_the_magic_and_round_trips()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Snappy) { UseXerialSnappy = true };
        var big = new byte[100_000]; // more than one 32 KiB chunk
        new Random(7).NextBytes(big.AsSpan(0, 50_000));
        builder.Append(1, null, big);
        builder.Append(2, null, big.AsMemory(0, 10));
        byte[] batch = builder.ToArray();
        Assert.Equal(0x82, batch[RecordBatchHeader.Size]);
        Assert.Equal(RecordBatchError.None, BatchBytes.Decode(batch, out var records));
        Assert.Equal(big, records[0].Value);
        Assert.Equal(big[..10], records[1].Value);
    }

    [Fact]
    public void Snappy_declared_length_beyond_the_limit_is_refused_without_allocating_it()
    {
        // Preamble claims ~2 GiB of output.
        byte[] batch = BatchBytes.Seal([0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00], 1, 0, (short)CompressionType.Snappy);
        Assert.Equal(RecordBatchError.CorruptCompressedData, BatchBytes.Drain(batch));
    }
}
