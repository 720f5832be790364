using System.IO.Compression;

namespace IngestHub.Protocol.Records;

/// <summary>Gzip for record batches. Decoding grows a pooled buffer up to a limit, so a gzip bomb is refused
/// rather than allocated.</summary>
internal static class GzipCodec
{
    /// <summary>Decompresses into an array rented from the shared pool (the caller returns it); null on failure.</summary>
    public static unsafe RecordBatchError Decompress(ReadOnlySpan<byte> input, int maxOutput, out byte[]? rented, out int length, out string? message)
    {
        rented = null;
        length = 0;
        var output = new DecompressionBuffer(Math.Max(input.Length * 4L, 4096), maxOutput);
        try
        {
            fixed (byte* p = input)
            {
                using var source = new UnmanagedMemoryStream(p, input.Length);
                using var gzip = new GZipStream(source, CompressionMode.Decompress);
                Span<byte> probe = stackalloc byte[1];
                while (true)
                {
                    var free = output.Free;
                    if (free.IsEmpty)
                    {
                        // At the limit: the stream must be finished, or the batch is refused.
                        if (gzip.Read(probe) == 0)
                            break;
                        message = $"gzip: decompressed size exceeds the {maxOutput}-byte limit";
                        return RecordBatchError.CorruptCompressedData;
                    }
                    int read = gzip.Read(free);
                    if (read == 0)
                        break;
                    output.Advance(read);
                }
            }
            length = output.Length;
            rented = output.Detach();
            message = null;
            return RecordBatchError.None;
        }
        catch (InvalidDataException e)
        {
            message = "gzip: " + e.Message;
            return RecordBatchError.CorruptCompressedData;
        }
        finally
        {
            output.Dispose();
        }
    }

    public static void Compress(ReadOnlySpan<byte> input, Stream output, CompressionLevel level)
    {
        using var gzip = new GZipStream(output, level, leaveOpen: true);
        gzip.Write(input);
    }
}
