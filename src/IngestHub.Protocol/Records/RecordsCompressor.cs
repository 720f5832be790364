using System.Buffers;
using System.IO.Compression;

namespace IngestHub.Protocol.Records;

/// <summary>Compresses an encoded records section with a batch codec: the one codec switch of the writers
/// (<see cref="RecordBatchBuilder"/>, and log compaction, which rebuilds batches from stored records).</summary>
public static class RecordsCompressor
{
    /// <summary>Appends <paramref name="records"/> compressed with <paramref name="compression"/> to
    /// <paramref name="output"/>; snappy uses the xerial framing (the Java client's) when <paramref name="xerialSnappy"/>.</summary>
    public static void Compress(CompressionType compression, ReadOnlySpan<byte> records, IBufferWriter<byte> output,
        bool xerialSnappy = false, CompressionLevel gzipLevel = CompressionLevel.Optimal)
    {
        switch (compression)
        {
            case CompressionType.None:
                output.Write(records);
                break;
            case CompressionType.Gzip:
                using (var stream = new BufferWriterStream(output))
                    GzipCodec.Compress(records, stream, gzipLevel);
                break;
            case CompressionType.Snappy:
                SnappyCodec.Compress(records, output, xerialSnappy);
                break;
            case CompressionType.Lz4:
                Lz4Codec.Compress(records, output);
                break;
            case CompressionType.Zstd:
                ZstdCodec.Compress(records, output);
                break;
            default:
                throw new NotSupportedException($"Compression codec {(int)compression} does not exist.");
        }
    }

    /// <summary>Whether a snappy payload uses the xerial framing, so a rebuilt batch can keep it.</summary>
    public static bool IsXerialSnappy(ReadOnlySpan<byte> payload) => SnappyCodec.IsXerial(payload);
}
