using BenchmarkDotNet.Attributes;
using IngestHub.Protocol.Primitives;
using IngestHub.Protocol.Records;

namespace IngestHub.Benchmarks;

/// <summary>Build (with CRC-32C) and decode of a 100-record batch of 100-byte log-like values, per codec (the records
/// section is about 11 KB; divide by the time for MB/s).</summary>
[MemoryDiagnoser]
public class RecordBatchBenchmarks : IDisposable
{
    private const int RecordCount = 100;
    private readonly byte[][] _values = new byte[RecordCount][];
    private RecordBatchBuilder _builder = null!;
    private PooledBufferWriter _output = null!;
    private byte[] _batch = [];

    [Params(CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd)]
    public CompressionType Compression { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (int i = 0; i < RecordCount; i++)
        {
            // Log-like text: compressible, as real payloads are.
            _values[i] = System.Text.Encoding.ASCII.GetBytes(
                $"2024-05-01T12:00:{i % 60:00}Z host-{random.Next(10)} app[{random.Next(1000)}]: request served in {random.Next(500)} ms".PadRight(100, '.'))[..100];
        }
        _builder = new RecordBatchBuilder(Compression);
        _output = new PooledBufferWriter(64 * 1024);
        _batch = BuildOnce().ToArray();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
            return;
        _builder.Dispose();
        _output.Dispose();
    }

    private ReadOnlySpan<byte> BuildOnce()
    {
        _builder.Reset();
        _output.Clear();
        for (int i = 0; i < RecordCount; i++)
            _builder.Append(1_700_000_000_000 + i, null, _values[i]);
        _builder.Build(_output);
        return _output.WrittenSpan;
    }

    [Benchmark]
    public int Build() => BuildOnce().Length;

    [Benchmark]
    public long Decode()
    {
        long sum = 0;
        var reader = new RecordBatchReader(_batch);
        try
        {
            while (reader.MoveNext())
                sum += reader.Current.Offset + reader.Current.Value.Length;
        }
        finally
        {
            reader.Dispose();
        }
        return sum;
    }
}
