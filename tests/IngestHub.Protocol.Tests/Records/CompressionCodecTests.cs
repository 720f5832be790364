using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using IngestHub.Protocol.Records;
using K4os.Compression.LZ4.Streams;
using Xunit;
using ZstdSharp;

namespace IngestHub.Protocol.Tests.Records;

/// <summary>
/// LZ4 and zstd as they appear in Kafka batches: the frame the builder writes, frames other producers write (checksums,
/// content size, linked blocks, other block sizes, several frames), and every way a payload can be wrong mapping to a
/// <see cref="RecordBatchError"/> without an exception.
/// </summary>
public class CompressionCodecTests
{
    private const int Records = 400;

    /// <summary>An uncompressed batch of log-like lines (about 40 KB of records) and its records section.</summary>
    private static byte[] PlainBatch(out byte[] section, int records = Records)
    {
        using var builder = new RecordBatchBuilder();
        for (int i = 0; i < records; i++)
            builder.Append(5000 + i, Encoding.ASCII.GetBytes("k" + i), Encoding.ASCII.GetBytes($"2024-05-01T10:00:{i % 60:00}Z INFO request {i} served in {i % 97} ms"));
        byte[] plain = builder.ToArray();
        section = plain[RecordBatchHeader.Size..];
        return plain;
    }

    /// <summary>The plain batch's header around a different records section with the given codec, CRC resealed.</summary>
    private static byte[] WithSection(byte[] plain, byte[] section, CompressionType compression)
    {
        byte[] batch = [.. plain.AsSpan(0, RecordBatchHeader.Size), .. section];
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset), batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset), (short)compression);
        return BatchBytes.Reseal(batch);
    }

    private static byte[] Lz4Frame(ReadOnlySpan<byte> data, LZ4EncoderSettings settings)
    {
        var output = new ArrayBufferWriter<byte>();
        LZ4Frame.Encode(data, output, settings);
        return output.WrittenSpan.ToArray();
    }

    private static void AssertDecodesLike(byte[] plain, byte[] batch)
    {
        Assert.Equal(RecordBatchError.None, BatchBytes.Decode(plain, out var expected));
        var error = RecordBatchDecoder.TryDecodeBatch(batch, [], out string? message);
        Assert.True(error == RecordBatchError.None, $"{error}: {message}");
        Assert.Equal(RecordBatchError.None, BatchBytes.Decode(batch, out var actual));
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Offset, actual[i].Offset);
            Assert.Equal(expected[i].Key, actual[i].Key);
            Assert.Equal(expected[i].Value, actual[i].Value);
        }
    }

    [Fact]
    public void Lz4_batches_carry_the_frame_kafka_clients_write()
    {
        PlainBatch(out _);
        using var builder = new RecordBatchBuilder(CompressionType.Lz4);
        for (int i = 0; i < 3000; i++)
            builder.Append(i, null, Encoding.ASCII.GetBytes($"line {i} {Guid.NewGuid()}"));
        byte[] batch = builder.ToArray();
        var payload = batch.AsSpan(RecordBatchHeader.Size);
        // Magic 0x184D2204 (little-endian), FLG 0x60 = version 01 + independent blocks, no checksums or content
        // size; BD 0x40 = 64 KiB blocks; then the header checksum: second byte of xxHash32(FLG, BD), seed 0.
        Assert.Equal("04224D186040", Convert.ToHexString(payload[..6]));
        Assert.Equal((byte)(K4os.Hash.xxHash.XXH32.DigestOf(payload.Slice(4, 2)) >> 8), payload[6]);
        // More than 64 KiB of records: several blocks, each at most 64 KiB, the last followed by the end mark.
        int position = 7, blocks = 0;
        while (true)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(payload[position..]);
            position += 4;
            if (size == 0)
                break;
            Assert.True((size & 0x7FFFFFFF) <= 64 * 1024);
            position += (int)(size & 0x7FFFFFFF);
            blocks++;
        }
        Assert.True(blocks >= 2, $"{blocks} blocks");
        Assert.Equal(payload.Length, position);
        Assert.Equal(RecordBatchError.None, BatchBytes.Drain(batch));
    }

    public static TheoryData<string> Lz4Variants => ["checksums", "content size", "linked blocks", "256 KiB blocks", "4 MiB blocks", "high compression"];

    [Theory]
    [MemberData(nameof(Lz4Variants))]
    public void Lz4_frames_written_with_other_settings_decode(string variant)
    {
        byte[] plain = PlainBatch(out byte[] section);
        var settings = variant switch
        {
            "checksums" => new LZ4EncoderSettings { BlockChecksum = true, ContentChecksum = true },
            "content size" => new LZ4EncoderSettings(),
            "linked blocks" => new LZ4EncoderSettings { ChainBlocks = true, BlockSize = 1024 },
            "256 KiB blocks" => new LZ4EncoderSettings { BlockSize = 256 * 1024 },
            "4 MiB blocks" => new LZ4EncoderSettings { BlockSize = 4 * 1024 * 1024 },
            _ => new LZ4EncoderSettings { CompressionLevel = K4os.Compression.LZ4.LZ4Level.L12_MAX },
        };
        byte[] frame = variant == "content size" ? WithContentSize(Lz4Frame(section, settings), section.Length) : Lz4Frame(section, settings);
        AssertDecodesLike(plain, WithSection(plain, frame, CompressionType.Lz4));
    }

    /// <summary>Rewrites a 7-byte frame header (no content size) into one that declares <paramref name="size"/>, as
    /// lz4's own tool can; the header checksum is recomputed.</summary>
    private static byte[] WithContentSize(byte[] frame, long size)
    {
        Assert.Equal(0, frame[4] & 0x08);
        var header = new byte[15];
        frame.AsSpan(0, 6).CopyTo(header);
        header[4] |= 0x08;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(6), size);
        header[14] = (byte)(K4os.Hash.xxHash.XXH32.DigestOf(header.AsSpan(4, 10)) >> 8);
        return [.. header, .. frame.AsSpan(7)];
    }

    [Fact]
    public void Lz4_frames_back_to_back_decode_as_one_section()
    {
        byte[] plain = PlainBatch(out byte[] section);
        int half = section.Length / 2;
        byte[] two = [.. Lz4Frame(section.AsSpan(0, half), new()), .. Lz4Frame(section.AsSpan(half), new() { BlockChecksum = true })];
        AssertDecodesLike(plain, WithSection(plain, two, CompressionType.Lz4));
    }

    public static TheoryData<string> Lz4Faults => ["header checksum", "magic", "content checksum", "trailing bytes", "cut off", "empty", "block size over the frame's maximum", "declared size over the limit"];

    [Theory]
    [MemberData(nameof(Lz4Faults))]
    public void Malformed_lz4_payloads_are_corrupt_compressed_data(string fault)
    {
        byte[] plain = PlainBatch(out byte[] section);
        byte[] frame = Lz4Frame(section, new LZ4EncoderSettings { BlockSize = 64 * 1024 });
        int maxRecordsBytes = RecordBatchReader.DefaultMaxRecordsBytes;
        switch (fault)
        {
            case "header checksum":
                // The broken checksum of the magic v0 era (xxHash32 over magic + descriptor) is wrong for v2 batches.
                frame[6] = (byte)(K4os.Hash.xxHash.XXH32.DigestOf(frame.AsSpan(0, 6)) >> 8);
                break;
            case "magic":
                frame[0] ^= 0xFF;
                break;
            case "content checksum":
                frame = Lz4Frame(section, new LZ4EncoderSettings { ContentChecksum = true });
                frame[^1] ^= 0xFF;
                break;
            case "trailing bytes":
                frame = [.. frame, 1, 2, 3, 4, 5, 6, 7, 8];
                break;
            case "cut off":
                frame = frame[..(frame.Length - 5)];
                break;
            case "empty":
                frame = [];
                break;
            case "block size over the frame's maximum":
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(7), 64 * 1024 + 1);
                break;
            default:
                frame = WithContentSize(frame, section.Length);
                maxRecordsBytes = section.Length - 1;
                break;
        }
        byte[] batch = WithSection(plain, frame, CompressionType.Lz4);
        Assert.Equal(RecordBatchError.CorruptCompressedData, BatchBytes.Drain(batch, maxRecordsBytes));
        var error = RecordBatchDecoder.TryDecodeBatch(batch, [], out string? message, maxRecordsBytes);
        Assert.Equal(RecordBatchError.CorruptCompressedData, error);
        Assert.StartsWith("lz4: ", message);
    }

    [Fact]
    public void Zstd_frames_with_and_without_content_size_and_back_to_back_decode()
    {
        byte[] plain = PlainBatch(out byte[] section);
        using var compressor = new Compressor(19);
        AssertDecodesLike(plain, WithSection(plain, compressor.Wrap(section).ToArray(), CompressionType.Zstd));

        using var streamed = new MemoryStream();
        using (var stream = new CompressionStream(streamed, 1))
            stream.Write(section);
        // Frame header descriptor: no content-size field and not single-segment, so the size is unknown up front.
        Assert.Equal(0, streamed.ToArray()[4] & 0xE0);
        AssertDecodesLike(plain, WithSection(plain, streamed.ToArray(), CompressionType.Zstd));

        int half = section.Length / 2;
        byte[] two = [.. compressor.Wrap(section.AsSpan(0, half)), .. compressor.Wrap(section.AsSpan(half))];
        AssertDecodesLike(plain, WithSection(plain, two, CompressionType.Zstd));
    }

    public static TheoryData<string> ZstdFaults => ["magic", "trailing bytes", "cut off", "empty", "declared size over the limit", "streamed past the limit", "checksum"];

    [Theory]
    [MemberData(nameof(ZstdFaults))]
    public void Malformed_zstd_payloads_are_corrupt_compressed_data(string fault)
    {
        byte[] plain = PlainBatch(out byte[] section);
        using var compressor = new Compressor(3);
        byte[] frame = compressor.Wrap(section).ToArray();
        int maxRecordsBytes = RecordBatchReader.DefaultMaxRecordsBytes;
        switch (fault)
        {
            case "magic":
                frame[0] ^= 0xFF;
                break;
            case "trailing bytes":
                frame = [.. frame, 1, 2, 3];
                break;
            case "cut off":
                frame = frame[..(frame.Length - 3)];
                break;
            case "empty":
                frame = [];
                break;
            case "declared size over the limit":
                maxRecordsBytes = section.Length - 1;
                break;
            case "streamed past the limit":
                using (var streamed = new MemoryStream())
                {
                    using (var stream = new CompressionStream(streamed, 1))
                        stream.Write(section);
                    frame = streamed.ToArray();
                }
                maxRecordsBytes = section.Length - 1;
                break;
            default:
                compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                frame = compressor.Wrap(section).ToArray();
                frame[^2] ^= 0xFF;
                break;
        }
        byte[] batch = WithSection(plain, frame, CompressionType.Zstd);
        Assert.Equal(RecordBatchError.CorruptCompressedData, BatchBytes.Drain(batch, maxRecordsBytes));
        var error = RecordBatchDecoder.TryDecodeBatch(batch, [], out string? message, maxRecordsBytes);
        Assert.Equal(RecordBatchError.CorruptCompressedData, error);
        Assert.StartsWith("zstd: ", message);
        // The pooled decompression context is clean again: a good batch decodes right after a bad one.
        Assert.Equal(RecordBatchError.None, BatchBytes.Drain(WithSection(plain, compressor.Wrap(section).ToArray(), CompressionType.Zstd)));
    }

    [Theory]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    public void Mutated_compressed_payloads_map_to_errors_and_never_throw(CompressionType compression)
    {
        byte[] plain = PlainBatch(out byte[] section, records: 40);
        using var builder = new RecordBatchBuilder(compression);
        foreach (var record in RecordBatchDecoder.DecodeAll(plain))
            builder.Append(record.Timestamp, record.Key, record.Value);
        byte[] seed = builder.ToArray();
        var gen =
            from edits in Gen.Choose(1, 4)
            from positions in Gen.Choose(RecordBatchHeader.Size, seed.Length - 1).ArrayOf(edits)
            from values in Gen.Choose(0, 255).ArrayOf(edits)
            from cut in Gen.Choose(0, 3)
            select (positions, values, cut);
        var seen = new HashSet<RecordBatchError>();
        var prop = Prop.ForAll(Arb.From(gen), c =>
        {
            byte[] payload = seed[RecordBatchHeader.Size..];
            for (int i = 0; i < c.positions.Length; i++)
                payload[c.positions[i] - RecordBatchHeader.Size] = (byte)c.values[i];
            byte[] batch = WithSection(seed, payload[..(payload.Length - c.cut)], compression);
            seen.Add(BatchBytes.Drain(batch, maxRecordsBytes: 64 * 1024));
            return true;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), prop);
        Assert.Contains(RecordBatchError.CorruptCompressedData, seen);
    }
}
