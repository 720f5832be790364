using System.Buffers;
using System.Buffers.Binary;

namespace IngestHub.Protocol.Records;

/// <summary>
/// Snappy for record batches: raw blocks (librdkafka) and the xerial framing of the Java client. Decoding is
/// done here, bounds-checked into a pooled buffer, so a hostile length can neither throw nor over-allocate;
/// encoding uses IronSnappy.
/// </summary>
internal static class SnappyCodec
{
    public static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0x00];
    public const int XerialHeaderSize = 16;
    /// <summary>snappy-java's default block size, used when framing as xerial.</summary>
    public const int XerialChunkSize = 32 * 1024;

    public static bool IsXerial(ReadOnlySpan<byte> input) =>
        input.Length >= XerialHeaderSize && input.StartsWith(XerialMagic);

    /// <summary>Decodes raw or xerial-framed snappy into an array rented from the shared pool (caller returns it).</summary>
    public static RecordBatchError Decompress(ReadOnlySpan<byte> input, int maxOutput, out byte[]? rented, out int length, out string? message)
    {
        rented = null;
        length = 0;
        if (IsXerial(input))
            return DecompressXerial(input, maxOutput, out rented, out length, out message);

        if (!TryReadLength(input, out int decoded, out int preamble))
            return Corrupt("snappy: bad length preamble", out message);
        if (decoded > maxOutput)
            return Corrupt($"snappy: declared length {decoded} exceeds the {maxOutput}-byte limit", out message);
        rented = ArrayPool<byte>.Shared.Rent(Math.Max(decoded, 1));
        if (!TryDecodeBlock(input[preamble..], rented.AsSpan(0, decoded)))
            return Corrupt("snappy: corrupt block", out message);
        length = decoded;
        message = null;
        return RecordBatchError.None;
    }

    private static RecordBatchError DecompressXerial(ReadOnlySpan<byte> input, int maxOutput, out byte[]? rented, out int length, out string? message)
    {
        rented = null;
        length = 0;
        // First pass: check chunk framing and add up declared sizes, so one buffer of the right size is rented.
        long total = 0;
        var rest = input[XerialHeaderSize..];
        while (rest.Length > 0)
        {
            if (rest.Length < 4)
                return Corrupt("snappy (xerial): truncated chunk length", out message);
            int chunkLength = BinaryPrimitives.ReadInt32BigEndian(rest);
            if (chunkLength < 0 || chunkLength > rest.Length - 4)
                return Corrupt($"snappy (xerial): chunk length {chunkLength} outside the payload", out message);
            if (!TryReadLength(rest.Slice(4, chunkLength), out int decoded, out _))
                return Corrupt("snappy (xerial): bad chunk length preamble", out message);
            total += decoded;
            if (total > maxOutput)
                return Corrupt($"snappy (xerial): decoded size exceeds the {maxOutput}-byte limit", out message);
            rest = rest[(4 + chunkLength)..];
        }

        rented = ArrayPool<byte>.Shared.Rent((int)Math.Max(total, 1));
        rest = input[XerialHeaderSize..];
        int written = 0;
        while (rest.Length > 0)
        {
            int chunkLength = BinaryPrimitives.ReadInt32BigEndian(rest);
            var chunk = rest.Slice(4, chunkLength);
            TryReadLength(chunk, out int decoded, out int preamble);
            if (!TryDecodeBlock(chunk[preamble..], rented.AsSpan(written, decoded)))
                return Corrupt("snappy (xerial): corrupt chunk", out message);
            written += decoded;
            rest = rest[(4 + chunkLength)..];
        }
        length = written;
        message = null;
        return RecordBatchError.None;
    }

    /// <summary>Unsigned little-endian base-128 length, at most int.MaxValue.</summary>
    private static bool TryReadLength(ReadOnlySpan<byte> input, out int value, out int bytesRead)
    {
        ulong raw = 0;
        for (int i = 0; i < 5 && i < input.Length; i++)
        {
            raw |= (ulong)(input[i] & 0x7F) << (7 * i);
            if ((input[i] & 0x80) == 0)
            {
                bytesRead = i + 1;
                value = (int)Math.Min(raw, int.MaxValue);
                return raw <= int.MaxValue;
            }
        }
        value = 0;
        bytesRead = 0;
        return false;
    }

    /// <summary>Decodes the elements of one raw block; true only if they fill <paramref name="output"/> exactly.</summary>
    private static bool TryDecodeBlock(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int s = 0, d = 0;
        while (s < input.Length)
        {
            byte tag = input[s];
            long length;
            long offset;
            switch (tag & 3)
            {
                case 0:
                    length = tag >> 2;
                    if (length < 60)
                    {
                        s++;
                    }
                    else
                    {
                        int extra = (int)length - 59;
                        if (extra > input.Length - s - 1)
                            return false;
                        length = 0;
                        for (int i = 0; i < extra; i++)
                            length |= (long)input[s + 1 + i] << (8 * i);
                        s += 1 + extra;
                    }
                    length++;
                    if (length > input.Length - s || length > output.Length - d)
                        return false;
                    input.Slice(s, (int)length).CopyTo(output[d..]);
                    s += (int)length;
                    d += (int)length;
                    continue;
                case 1:
                    if (input.Length - s < 2)
                        return false;
                    length = 4 + ((tag >> 2) & 0x7);
                    offset = ((tag & 0xE0) << 3) | input[s + 1];
                    s += 2;
                    break;
                case 2:
                    if (input.Length - s < 3)
                        return false;
                    length = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadUInt16LittleEndian(input[(s + 1)..]);
                    s += 3;
                    break;
                default:
                    if (input.Length - s < 5)
                        return false;
                    length = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadUInt32LittleEndian(input[(s + 1)..]);
                    s += 5;
                    break;
            }
            if (offset == 0 || offset > d || length > output.Length - d)
                return false;
            int from = d - (int)offset;
            if (offset >= length)
            {
                output.Slice(from, (int)length).CopyTo(output[d..]);
                d += (int)length;
            }
            else
            {
                // Overlapping copy repeats the last `offset` bytes: must go byte by byte.
                for (int i = 0; i < length; i++)
                    output[d++] = output[from + i];
            }
        }
        return d == output.Length;
    }

    /// <summary>Appends <paramref name="input"/> compressed as raw snappy or in xerial framing.</summary>
    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, bool xerial)
    {
        if (!xerial)
        {
            output.Write(IronSnappy.Snappy.Encode(input));
            return;
        }
        var header = output.GetSpan(XerialHeaderSize);
        XerialMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 1);  // version
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 1); // minimum compatible version
        output.Advance(XerialHeaderSize);
        while (input.Length > 0)
        {
            var chunk = input[..Math.Min(input.Length, XerialChunkSize)];
            byte[] encoded = IronSnappy.Snappy.Encode(chunk);
            BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), encoded.Length);
            output.Advance(4);
            output.Write(encoded);
            input = input[chunk.Length..];
        }
    }

    private static RecordBatchError Corrupt(string text, out string? message)
    {
        message = text;
        return RecordBatchError.CorruptCompressedData;
    }
}
