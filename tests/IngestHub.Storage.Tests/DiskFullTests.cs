using IngestHub.Testing;
using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>A partition log on a small tmpfs that runs full: a failed append leaves nothing behind (in memory or
/// in the file), reads go on, and appends resume once space returns with every accepted batch intact.</summary>
public sealed class DiskFullTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static byte[] Batch(int n, int valueBytes) =>
        TestBatches.Build(T0 + n, 1, [.. Enumerable.Range(0, 4).Select(i => $"batch-{n}-record-{i}-" + new string((char)('a' + n % 26), valueBytes))]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_failed_append_on_a_full_disk_leaves_no_torn_batch_and_appends_resume_when_space_returns(bool fsync)
    {
        using var mount = TmpfsMount.TryMount(_temp.Sub("mnt"), 2 << 20, out string reason);
        if (mount is null)
        {
            Assert.Skip(reason);
            return;
        }
        string dir = Path.Combine(mount.Path, "logs-0");
        var config = new LogConfig { SegmentBytes = 64 << 20, IndexIntervalBytes = 4096 };
        int accepted = 0;
        using (var log = PartitionLog.Open(dir, config)) // closed unclean below; disposing a closed log does nothing
        {
            for (; accepted < 20; accepted++)
                log.Append(Batch(accepted, 300), fsync);
            mount.Fill();

            // The segment's last page still has room for a little; a batch larger than that is cut off part-way.
            IOException? failure = null;
            for (int i = 0; i < 200 && failure is null; i++)
            {
                try
                {
                    log.Append(Batch(accepted, 3000), fsync);
                    accepted++;
                }
                catch (IOException ex)
                {
                    failure = ex;
                }
            }
            Assert.NotNull(failure);
            string segmentFile = log.Segments[^1].LogPath;
            Assert.Equal(log.Size, new FileInfo(segmentFile).Length);
            long end = log.LogEndOffset;
            Assert.Equal(accepted * 4L, end);

            // Still full: every retry fails the same way and leaves nothing; reads serve what was accepted.
            Assert.Throws<IOException>(() => log.Append(Batch(accepted, 3000), fsync));
            Assert.Equal(log.Size, new FileInfo(segmentFile).Length);
            Assert.Equal(end, log.LogEndOffset);
            Assert.Equal(accepted * 4, TestBatches.ReadAll(log, 0).Count);

            mount.Free();
            var resumed = log.Append(Batch(accepted, 3000), fsync);
            Assert.Equal(end, resumed.BaseOffset);
            accepted++;
            log.Close(clean: false);
        }

        using var reopened = PartitionLog.Open(dir, config, cleanShutdown: false);
        var records = TestBatches.ReadAll(reopened, 0);
        Assert.Equal(Enumerable.Range(0, accepted * 4).Select(i => (long)i), records.Select(r => r.Offset));
        for (int n = 0; n < accepted; n++)
            Assert.StartsWith($"batch-{n}-record-", records[n * 4].Value);
    }
}
