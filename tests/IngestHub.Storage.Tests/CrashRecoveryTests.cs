using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>Damage real segment files the way crashes and bad disks do, then reopen.</summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private static readonly LogConfig Config = new() { SegmentBytes = 2048, IndexIntervalBytes = 200 };
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Writes <paramref name="batches"/> batches of 3 records and stops without a clean close.
    /// Returns the size of each batch.</summary>
    private static List<int> WriteLog(string dir, int batches, bool clean = false)
    {
        var sizes = new List<int>();
        using var log = PartitionLog.Open(dir, Config); // Close(clean) below; disposing a closed log does nothing
        for (int i = 0; i < batches; i++)
        {
            var batch = TestBatches.Build(T0 + i * 100, 10, [$"value-{i}-a", $"value-{i}-b", $"value-{i}-c"]);
            sizes.Add(batch.Length);
            log.Append(batch);
        }
        log.Close(clean);
        return sizes;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private static void AssertReadsExactly(PartitionLog log, long endOffset)
    {
        Assert.Equal(endOffset, log.LogEndOffset);
        var records = endOffset == 0 ? [] : TestBatches.ReadAll(log, 0);
        Assert.Equal(Enumerable.Range(0, (int)endOffset).Select(i => (long)i), records.Select(r => r.Offset));
        for (int i = 0; i < records.Count; i++)
            Assert.Equal($"value-{i / 3}-{(char)('a' + i % 3)}", records[i].Value);
        for (long offset = 0; offset < endOffset; offset += 7)
            Assert.Equal(offset - offset % 3, TestBatches.ReadAll(log, offset, 1)[0].Offset);
        if (endOffset > 0)
            Assert.Equal(endOffset - 3, log.LookupOffsetByTimestamp(T0 + (endOffset / 3 - 1) * 100)!.Value.Offset);
    }

    [Fact]
    public void Torn_tail_at_every_byte_of_the_last_batch_truncates_to_the_last_valid_batch()
    {
        string template = _temp.Sub("template");
        var sizes = WriteLog(template, 40);
        string lastSegment = Directory.GetFiles(template, "*.log").Max()!;
        long fullLength = new FileInfo(lastSegment).Length;
        long lastBatchStart = fullLength - sizes[^1];
        for (long cut = lastBatchStart; cut < fullLength; cut++)
        {
            string dir = _temp.Sub("cut-" + cut);
            CopyDirectory(template, dir);
            using (var stream = new FileStream(Path.Combine(dir, Path.GetFileName(lastSegment)), FileMode.Open))
                stream.SetLength(cut);
            var logger = new ListLogger();
            using (var log = PartitionLog.Open(dir, Config, cleanShutdown: false, logger))
            {
                AssertReadsExactly(log, 39 * 3);
                if (cut > lastBatchStart)
                    Assert.Contains(logger.Lines, l => l.Contains("dropped " + (cut - lastBatchStart) + " bytes", StringComparison.Ordinal));
                Assert.Equal(39 * 3, log.Append(TestBatches.Build(T0 + 3900, 10, ["value-39-a", "value-39-b", "value-39-c"])).BaseOffset);
                AssertReadsExactly(log, 40 * 3);
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Flipped_byte_in_the_middle_of_a_segment_truncates_there_and_drops_later_segments()
    {
        string dir = _temp.Sub("logs-0");
        var sizes = WriteLog(dir, 60);
        var segments = Directory.GetFiles(dir, "*.log").Order().ToArray();
        Assert.True(segments.Length >= 4);
        // Flip a byte inside the 4th batch of the second segment.
        string victim = segments[1];
        long segmentBase = long.Parse(Path.GetFileNameWithoutExtension(victim));
        int batchIndex = (int)(segmentBase / 3) + 3;
        long position = 0;
        for (int i = (int)(segmentBase / 3); i < batchIndex; i++)
            position += sizes[i];
        using (var stream = new FileStream(victim, FileMode.Open))
        {
            stream.Position = position + 70;
            int b = stream.ReadByte();
            stream.Position = position + 70;
            stream.WriteByte((byte)(b ^ 0x5A));
        }
        var logger = new ListLogger();
        using (var log = PartitionLog.Open(dir, Config, cleanShutdown: false, logger))
        {
            AssertReadsExactly(log, batchIndex * 3);
            Assert.Equal(2, log.Segments.Count);
            Assert.Contains(logger.Lines, l => l.Contains("CrcMismatch", StringComparison.Ordinal));
            Assert.Contains(logger.Lines, l => l.Contains("deleting segment", StringComparison.Ordinal));
        }
        Assert.Equal(2, Directory.GetFiles(dir, "*.log").Length);
    }

    [Fact]
    public void Missing_or_corrupt_index_files_are_rebuilt_on_clean_open()
    {
        string dir = _temp.Sub("logs-0");
        WriteLog(dir, 60, clean: true);
        var indexes = Directory.GetFiles(dir, "*.index").Order().ToArray();
        var timeIndexes = Directory.GetFiles(dir, "*.timeindex").Order().ToArray();
        var originals = indexes.Concat(timeIndexes).ToDictionary(p => p, File.ReadAllBytes);
        Assert.Contains(originals.Values, bytes => bytes.Length > 0);

        File.Delete(indexes[0]);
        File.WriteAllBytes(indexes[1], Enumerable.Repeat((byte)0xFF, 16).ToArray());
        File.WriteAllBytes(timeIndexes[1], [1, 2, 3, 4, 5]);
        File.Delete(timeIndexes[^1]);
        // An entry pointing past the end of the segment.
        File.WriteAllBytes(indexes[^1], [0, 0, 0, 1, 0x7F, 0, 0, 0]);
        using (var log = PartitionLog.Open(dir, Config, cleanShutdown: true))
            AssertReadsExactly(log, 180);
        foreach (var (path, bytes) in originals)
            Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Unclean_open_rebuilds_indexes_from_the_recovery_point()
    {
        string dir = _temp.Sub("logs-0");
        WriteLog(dir, 60, clean: false);
        foreach (string index in Directory.GetFiles(dir, "*.*index"))
            File.Delete(index);
        using (var log = PartitionLog.Open(dir, Config, cleanShutdown: false))
        {
            AssertReadsExactly(log, 180);
            Assert.Equal(180, log.RecoveryPoint);
        }
        Assert.NotEmpty(Directory.GetFiles(dir, "*.index"));
    }

    [Fact]
    public void Garbage_segment_only_leaves_an_empty_readable_log()
    {
        string dir = _temp.Sub("logs-0");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, LogSegment.FileName(0, LogSegment.LogSuffix)), Enumerable.Range(0, 500).Select(i => (byte)i).ToArray());
        using var log = PartitionLog.Open(dir, Config, cleanShutdown: false);
        AssertReadsExactly(log, 0);
        Assert.Equal(0, log.Append(TestBatches.Build(T0, 10, ["value-0-a", "value-0-b", "value-0-c"])).BaseOffset);
        AssertReadsExactly(log, 3);
    }
}
