using System.Buffers;
using System.Collections.Concurrent;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace IngestHub.Protocol.Records;

/// <summary>
/// Zstandard for record batches (ZstdSharp). Decoding streams into a pooled buffer that grows up to a limit; a frame
/// that declares a larger content size is refused before anything is allocated, and the decoder's window is capped
/// at the same limit. Several frames back to back are read; bytes that are not a frame are refused. Compression and
/// decompression contexts are pooled (a context holds its work space, and producers build a batch per send).
/// </summary>
internal static class ZstdCodec
{
    /// <summary>Kafka's and librdkafka's default level.</summary>
    public const int DefaultLevel = 3;
    private const int MaxPooled = 8;
    private const ulong ContentSizeUnknown = ulong.MaxValue;
    private const ulong ContentSizeError = ulong.MaxValue - 1;

    private static readonly ConcurrentQueue<Decompressor> Decompressors = new();
    private static readonly ConcurrentQueue<Compressor> Compressors = new();

    /// <summary>A pooled context for one call: back to the pool on dispose (disposed when the pool is full).</summary>
    private readonly struct Lease<T>(T context, ConcurrentQueue<T> pool) : IDisposable where T : class, IDisposable
    {
        public T Context => context;

        public void Dispose()
        {
            if (pool.Count < MaxPooled)
                pool.Enqueue(context);
            else
                context.Dispose();
        }
    }

    /// <summary>Decompresses into an array rented from the shared pool (the caller returns it); null on failure.</summary>
    public static unsafe RecordBatchError Decompress(ReadOnlySpan<byte> input, int maxOutput, out byte[]? rented, out int length, out string? message)
    {
        rented = null;
        length = 0;
        if (input.IsEmpty)
            return Corrupt("zstd: empty payload", out message);
        ulong declared;
        fixed (byte* p = input)
            declared = Methods.ZSTD_findDecompressedSize(p, (nuint)input.Length);
        if (declared == ContentSizeError)
            return Corrupt("zstd: not a zstd frame", out message);
        if (declared != ContentSizeUnknown && declared > (ulong)maxOutput)
            return Corrupt($"zstd: frames declare {declared} bytes, over the {maxOutput}-byte limit", out message);

        long initial = declared == ContentSizeUnknown ? Math.Max(input.Length * 4L, 4096) : (long)declared;
        var output = new DecompressionBuffer(initial, maxOutput);
        using var lease = RentDecompressor(maxOutput);
        var decompressor = lease.Context;
        try
        {
            int consumed = 0;
            Span<byte> probe = stackalloc byte[1];
            while (true)
            {
                var free = output.Free;
                bool atLimit = free.IsEmpty;
                var status = decompressor.UnwrapStream(input[consumed..], atLimit ? probe : free, out int read, out int written);
                consumed += read;
                if (atLimit && written > 0)
                    return Corrupt($"zstd: decompressed size exceeds the {maxOutput}-byte limit", out message);
                output.Advance(written);
                switch (status)
                {
                    case OperationStatus.Done when consumed == input.Length:
                        length = output.Length;
                        rented = output.Detach();
                        message = null;
                        return RecordBatchError.None;
                    case OperationStatus.Done:
                        continue; // another frame follows
                    case OperationStatus.DestinationTooSmall:
                        if (atLimit)
                            return Corrupt($"zstd: decompressed size exceeds the {maxOutput}-byte limit", out message);
                        continue;
                    case OperationStatus.NeedMoreData:
                        return Corrupt($"zstd: frame cut off after {input.Length} bytes", out message);
                    default:
                        return Corrupt($"zstd: corrupt frame near payload byte {consumed}", out message);
                }
            }
        }
        catch (ZstdException e)
        {
            return Corrupt("zstd: " + e.Message, out message);
        }
        finally
        {
            output.Dispose();
            // A frame left half-read (an error) must not leak into the next batch decoded with this context.
            decompressor.ResetStream();
        }
    }

    /// <summary>Appends <paramref name="input"/> as one zstd frame (content size included) at the default level.</summary>
    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
#pragma warning disable CA2000 // pooled: the lease puts it back in the pool, or disposes it when the pool is full
        using var lease = new Lease<Compressor>(Compressors.TryDequeue(out var pooled) ? pooled : new Compressor(DefaultLevel), Compressors);
#pragma warning restore CA2000
        var destination = output.GetSpan(Compressor.GetCompressBound(input.Length));
        output.Advance(lease.Context.Wrap(input, destination));
    }

    private static Lease<Decompressor> RentDecompressor(int maxOutput)
    {
#pragma warning disable CA2000 // pooled: the caller's lease puts it back in the pool, or disposes it when the pool is full
        var lease = new Lease<Decompressor>(Decompressors.TryDequeue(out var pooled) ? pooled : new Decompressor(), Decompressors);
#pragma warning restore CA2000
        // A frame may ask for a window as large as it likes; nothing useful needs more than the output limit.
        lease.Context.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, WindowLog(maxOutput));
        return lease;
    }

    /// <summary>log2 of the smallest power of two at or above <paramref name="maxOutput"/>, within zstd's bounds (10..31).</summary>
    private static int WindowLog(int maxOutput) =>
        Math.Clamp(64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)Math.Max(maxOutput, 1) - 1), 10, 31);

    private static RecordBatchError Corrupt(string text, out string? message)
    {
        message = text;
        return RecordBatchError.CorruptCompressedData;
    }
}
