using System.Diagnostics;
using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>A child process appends with fsync-before-acknowledge and is SIGKILLed mid-run; every acknowledged
/// append must survive the reopen.</summary>
public sealed class CrashWriterProcessTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Acknowledged_fsync_appends_survive_sigkill()
    {
        string dir = _temp.Sub("crash-0");
        var acks = new List<(long Base, long Last)>();
        for (int round = 0; round < 2; round++)
        {
            var start = new ProcessStartInfo("dotnet", [CrashWriterBuild.Dll(), dir, "8192"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var roundAcks = new List<(long, long)>();
            string? line;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            int killAfter = 150 + Random.Shared.Next(150);
            while ((line = await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken)) is not null)
            {
                var parts = line.Split(' ');
                if (parts[0] == "ack")
                    roundAcks.Add((long.Parse(parts[1]), long.Parse(parts[2])));
                if (roundAcks.Count == killAfter || DateTime.UtcNow > deadline)
                    process.Kill(); // SIGKILL on Unix; keep draining what was already printed
            }
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(roundAcks.Count >= killAfter, "writer stopped early: " + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            acks.AddRange(roundAcks);
        }

        using var log = PartitionLog.Open(dir, new LogConfig { SegmentBytes = 8192 }, cleanShutdown: false);
        var records = TestBatches.ReadAll(log, 0);
        var byOffset = records.ToDictionary(r => r.Offset, r => r.Value);
        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
        long previousLast = -1;
        foreach (var (baseOffset, last) in acks)
        {
            // Appends written but killed before their ack line may survive too, so gaps between rounds are fine.
            Assert.True(baseOffset > previousLast);
            for (long offset = baseOffset; offset <= last; offset++)
                Assert.True(byOffset.ContainsKey(offset), $"acknowledged offset {offset} lost");
            previousLast = last;
        }
        Assert.True(log.Segments.Count > 1);
    }
}
