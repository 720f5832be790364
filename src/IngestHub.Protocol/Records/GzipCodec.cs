using System.Buffers;
using System.IO.Compression;

namespace IngestHub.Protocol.Records;

/// <summary>Gzip for record batches. Decoding grows a pooled buffer up to a limit, so a gzip bomb is refused
/// rather than allocated.</summary>
internal static class GzipCodec
{
    /// <summary>Decompresses into an array rented from the shared pool (the caller returns it, even on failure).</summary>
    public static unsafe RecordBatchError Decompress(ReadOnlySpan<byte> input, int maxOutput, out byte[]? rented, out int length, out string? message)
    {
        rented = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(input.Length * 4L, 4096, Math.Max(maxOutput, 4096)));
        length = 0;
        Span<byte> probe = stackalloc byte[1];
        try
        {
            fixed (byte* p = input)
            {
                using var source = new UnmanagedMemoryStream(p, input.Length);
                using var gzip = new GZipStream(source, CompressionMode.Decompress);
                while (true)
                {
                    int cap = Math.Min(rented.Length, maxOutput);
                    if (length == cap)
                    {
                        if (cap == maxOutput)
                        {
                            // At the limit: the stream must be finished, or the batch is refused.
                            if (gzip.Read(probe) == 0)
                                break;
                            message = $"gzip: decompressed size exceeds the {maxOutput}-byte limit";
                            return RecordBatchError.CorruptCompressedData;
                        }
                        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(rented.Length * 2L, maxOutput));
                        rented.AsSpan(0, length).CopyTo(grown);
                        ArrayPool<byte>.Shared.Return(rented);
                        rented = grown;
                        continue;
                    }
                    int read = gzip.Read(rented, length, cap - length);
                    if (read == 0)
                        break;
                    length += read;
                }
            }
        }
        catch (InvalidDataException e)
        {
            message = "gzip: " + e.Message;
            return RecordBatchError.CorruptCompressedData;
        }
        message = null;
        return RecordBatchError.None;
    }

    public static void Compress(ReadOnlySpan<byte> input, Stream output, CompressionLevel level)
    {
        using var gzip = new GZipStream(output, level, leaveOpen: true);
        gzip.Write(input);
    }
}
