using System.Buffers;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;

namespace IngestHub.Protocol.Records;

/// <summary>
/// LZ4 for record batches: the LZ4 frame format as Kafka uses it since message format v1 (a correct frame header
/// checksum; the broken one of magic v0 never occurs in a v2 batch). Frames are written the way the Java client and
/// librdkafka write them: 64 KiB independent blocks, no block or content checksum, no content size. Any valid frame
/// is read (linked blocks, checksums, which are verified, content size, other block sizes, several frames back to
/// back); bytes after the last frame are refused, as librdkafka does. Output grows in a pooled buffer up to a limit.
/// </summary>
internal static class Lz4Codec
{
    private static readonly LZ4EncoderSettings KafkaFrame = new()
    {
        BlockSize = 64 * 1024,
        ChainBlocks = false,
        BlockChecksum = false,
        ContentChecksum = false,
        CompressionLevel = LZ4Level.L00_FAST,
    };

    /// <summary>Decompresses into an array rented from the shared pool (the caller returns it); null on failure.</summary>
    public static unsafe RecordBatchError Decompress(ReadOnlySpan<byte> input, int maxOutput, out byte[]? rented, out int length, out string? message)
    {
        rented = null;
        length = 0;
        if (input.IsEmpty)
            return Corrupt("lz4: empty payload", out message);
        var output = new DecompressionBuffer(Math.Max(input.Length * 4L, 4096), maxOutput);
        try
        {
            fixed (byte* p = input)
            {
                using var source = new UnmanagedMemoryStream(p, input.Length);
                while (source.Position < source.Length)
                {
                    var error = DecodeFrame(source, ref output, maxOutput, out message);
                    if (error != RecordBatchError.None)
                        return error;
                }
            }
            length = output.Length;
            rented = output.Detach();
            message = null;
            return RecordBatchError.None;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            // The frame reader reports malformed input (bad magic, header checksum, block sizes, a cut-off frame)
            // with these; none of them is a bug here.
            message = "lz4: " + e.Message;
            return RecordBatchError.CorruptCompressedData;
        }
        finally
        {
            output.Dispose();
        }
    }

    private static RecordBatchError DecodeFrame(Stream source, ref DecompressionBuffer output, int maxOutput, out string? message)
    {
        long start = source.Position;
        using var frame = LZ4Frame.Decode(source, extraMemory: 0, leaveOpen: true);
        if (!frame.OpenFrame())
            return Corrupt($"lz4: no frame at payload byte {start}", out message);
        if (frame.GetFrameLength() is long declared && declared > maxOutput - output.Length)
            return Corrupt($"lz4: frame declares {declared} bytes, over the {maxOutput}-byte limit", out message);
        Span<byte> probe = stackalloc byte[1];
        while (true)
        {
            var free = output.Free;
            if (free.IsEmpty)
            {
                if (frame.ReadManyBytes(probe) == 0)
                    break;
                return Corrupt($"lz4: decompressed size exceeds the {maxOutput}-byte limit", out message);
            }
            int read = frame.ReadManyBytes(free);
            if (read == 0)
                break;
            output.Advance(read);
        }
        if (source.Position == start)
            return Corrupt("lz4: frame made no progress", out message);
        message = null;
        return RecordBatchError.None;
    }

    /// <summary>Appends <paramref name="input"/> as one Kafka-style LZ4 frame.</summary>
    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output) =>
        LZ4Frame.Encode(input, output, KafkaFrame);

    private static RecordBatchError Corrupt(string text, out string? message)
    {
        message = text;
        return RecordBatchError.CorruptCompressedData;
    }
}
