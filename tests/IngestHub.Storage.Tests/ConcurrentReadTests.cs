using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Storage.Tests;

public sealed class ConcurrentReadTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Concurrent_readers_never_see_a_partial_batch_while_the_writer_appends_rolls_and_deletes()
    {
        var config = new LogConfig { SegmentBytes = 4096, IndexIntervalBytes = 256, RetentionBytes = 16 * 1024, RetentionMs = -1 };
        using var log = PartitionLog.Open(_temp.Sub("race-0"), config);
        const int Appends = 3000;
        using var done = new CancellationTokenSource();
        long readsChecked = 0;

        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            var buffer = new byte[64 * 1024];
            var random = new Random(r);
            while (!done.IsCancellationRequested)
            {
                long hw = log.HighWatermark;
                long start = log.LogStartOffset;
                long from = start + (hw > start ? random.NextInt64(hw - start) : 0);
                using var result = log.Read(from, random.Next(1, 20_000));
                if (result.Error == ErrorCode.OffsetOutOfRange)
                {
                    Assert.True(from < log.LogStartOffset, "out of range only when retention overtook the reader");
                    continue;
                }
                Assert.Equal(ErrorCode.None, result.Error);
                result.CopyTo(buffer);
                var bytes = buffer.AsSpan(0, result.Length);
                long expectedNext = -1;
                while (!bytes.IsEmpty)
                {
                    Assert.Equal(RecordBatchError.None, RecordBatchHeader.TryValidate(bytes, out var header));
                    Assert.True(expectedNext < 0 || header.BaseOffset == expectedNext, "batches must be contiguous");
                    Assert.True(header.LastOffset < result.HighWatermark, "never past the high watermark");
                    expectedNext = header.LastOffset + 1;
                    bytes = bytes[header.TotalSize..];
                }
                Interlocked.Increment(ref readsChecked);
            }
        })).ToArray();

        for (int i = 0; i < Appends; i++)
        {
            var values = Enumerable.Range(0, i % 7 + 1).Select(j => $"v{i}-{j}-" + new string('p', i % 50)).ToArray();
            Assert.Equal(ErrorCode.None, log.Append(TestBatches.Build(T0 + i, 1, values)).Error);
            if (i % 100 == 0)
                log.ApplyRetention(T0);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Interlocked.Read(ref readsChecked) < 200 && DateTime.UtcNow < deadline)
            await Task.Delay(10, TestContext.Current.CancellationToken);
        done.Cancel();
        await Task.WhenAll(readers);
        Assert.True(readsChecked >= 200, $"only {readsChecked} reads ran");
        Assert.True(log.LogStartOffset > 0);
    }
}
