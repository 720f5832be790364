using BenchmarkDotNet.Attributes;
using IngestHub.Storage;

namespace IngestHub.Benchmarks;

/// <summary>One append of a batch into a partition log (page cache, no fsync).</summary>
[MemoryDiagnoser]
public class PartitionLogAppendBenchmarks
{
    private string _dir = "";
    private PartitionLog _log = null!;
    private byte[] _batch = [];

    [Params(100, 1024)]
    public int RecordSize { get; set; }

    [Params(100, 1000)]
    public int BatchRecords { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "ingesthub-bdn-" + Guid.NewGuid().ToString("N"));
        _batch = BenchBatch.Build(BatchRecords, RecordSize, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _log = PartitionLog.Open(Path.Combine(_dir, "bench-0"), new LogConfig { SegmentBytes = 256 * 1024 * 1024, MaxMessageBytes = 2 * 1024 * 1024, RetentionBytes = 512L * 1024 * 1024 });
    }

    [Benchmark]
    public long Append()
    {
        var result = _log.Append(_batch);
        if (result.BaseOffset % 10_000 == 0)
            _log.ApplyRetention(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return result.LastOffset;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Close(clean: false);
        Directory.Delete(_dir, recursive: true);
    }
}
