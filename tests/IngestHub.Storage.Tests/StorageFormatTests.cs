using System.Buffers.Binary;
using System.ComponentModel;
using System.Text;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>The files of a partition directory, checked byte by byte against docs/storage-format.md.</summary>
public sealed class StorageFormatTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_cleanly_closed_partition_directory_has_the_documented_layout()
    {
        string directory = _temp.Sub("orders-3");
        var config = new LogConfig { SegmentBytes = 1024, IndexIntervalBytes = 150 };
        var appended = new List<byte[]>();
        using (var log = PartitionLog.Open(directory, config, time: new ManualClock(T0 + 10_000)))
        {
            log.LeaderEpochs.BeginNextEpoch(0);
            for (int i = 0; i < 12; i++)
            {
                var batch = TestBatches.Build(T0 + i * 100, 10, ["first-" + i, "second-" + i, "third-" + i]);
                Assert.True(log.Append(batch).Succeeded);
                appended.Add(batch); // offsets were assigned in place
                if (i == 5)
                    log.LeaderEpochs.BeginNextEpoch(log.LogEndOffset);
            }
            Assert.Equal(IngestHub.Protocol.ErrorCode.None, log.DeleteRecordsBefore(4));
        }

        var segmentBases = Directory.GetFiles(directory, "*.log").Select(Path.GetFileName).Order().ToList();
        Assert.True(segmentBases.Count > 1);
        Assert.Equal("00000000000000000000.log", segmentBases[0]);
        Assert.All(segmentBases, name => Assert.Matches("^[0-9]{20}\\.log$", name));

        // .log: the batches as appended, back to back, one after the other across the segments.
        byte[] logBytes = [.. segmentBases.SelectMany(name => File.ReadAllBytes(Path.Combine(directory, name!)))];
        Assert.Equal(appended.SelectMany(b => b), logBytes);
        int position = 0;
        long expectedBase = 0;
        foreach (var batch in appended)
        {
            var span = logBytes.AsSpan(position);
            Assert.Equal(expectedBase, BinaryPrimitives.ReadInt64BigEndian(span)); // baseOffset
            Assert.Equal(batch.Length - 12, BinaryPrimitives.ReadInt32BigEndian(span[8..])); // batchLength
            Assert.Equal(2, span[16]); // magic
            Assert.Equal(RecordBatchHeader.ComputeCrc(span[..batch.Length]), BinaryPrimitives.ReadUInt32BigEndian(span[17..])); // CRC-32C from attributes on
            Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(span[23..])); // lastOffsetDelta
            Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(span[57..])); // records
            expectedBase += 3;
            position += batch.Length;
        }

        // .index: 8-byte entries (relative offset, position) pointing at batch starts in the segment.
        string first = Path.Combine(directory, "00000000000000000000");
        byte[] index = File.ReadAllBytes(first + ".index");
        byte[] segment = File.ReadAllBytes(first + ".log");
        Assert.True(index.Length > 0 && index.Length % 8 == 0);
        for (int i = 0; i < index.Length; i += 8)
        {
            int relative = BinaryPrimitives.ReadInt32BigEndian(index.AsSpan(i));
            int filePosition = BinaryPrimitives.ReadInt32BigEndian(index.AsSpan(i + 4));
            Assert.Equal(relative, BinaryPrimitives.ReadInt64BigEndian(segment.AsSpan(filePosition)));
        }

        // .timeindex: 12-byte entries (timestamp, relative offset); the last one holds the segment's largest timestamp.
        byte[] timeIndex = File.ReadAllBytes(first + ".timeindex");
        Assert.True(timeIndex.Length > 0 && timeIndex.Length % 12 == 0);
        long lastTimestamp = BinaryPrimitives.ReadInt64BigEndian(timeIndex.AsSpan(timeIndex.Length - 12));
        int lastRelative = BinaryPrimitives.ReadInt32BigEndian(timeIndex.AsSpan(timeIndex.Length - 4));
        int batchesInFirst = 0;
        for (int p = 0; p < segment.Length; p += 12 + BinaryPrimitives.ReadInt32BigEndian(segment.AsSpan(p + 8)))
            batchesInFirst++;
        Assert.Equal(T0 + (batchesInFirst - 1) * 100 + 20, lastTimestamp);
        Assert.Equal((batchesInFirst - 1) * 3, lastRelative);

        // Text checkpoints.
        Assert.Equal("0\n2\n0 0\n1 18\n", File.ReadAllText(Path.Combine(directory, "leader-epoch-checkpoint"), Encoding.UTF8));
        Assert.Equal("0\n36\n", File.ReadAllText(Path.Combine(directory, "recovery-point-offset-checkpoint")));
        Assert.Equal("0\n4\n", File.ReadAllText(Path.Combine(directory, "log-start-offset-checkpoint")));
        Assert.Empty(Directory.GetFiles(directory, "*.tmp"));
    }

    [Fact]
    public void A_log_directory_marks_a_clean_shutdown_with_an_empty_file()
    {
        string data = _temp.Sub("data");
        using (var store = LogDirectory.Open(data))
        {
            store.GetOrCreate("t", 0).Append(TestBatches.Build(T0, "a"));
            Assert.False(File.Exists(Path.Combine(data, ".clean-shutdown")));
        }
        Assert.Equal(0, new FileInfo(Path.Combine(data, ".clean-shutdown")).Length);
        Assert.True(File.Exists(Path.Combine(data, "t-0", "00000000000000000000.log")));
    }

    [Fact]
    public void Configuration_names_the_engines()
    {
        var converter = TypeDescriptor.GetConverter(typeof(ILogEngine));
        Assert.Same(ILogEngine.Memory, converter.ConvertFromInvariantString("memory"));
        Assert.Same(ILogEngine.Disk, converter.ConvertFromInvariantString("Disk"));
        Assert.Equal("memory", converter.ConvertToInvariantString(ILogEngine.Memory));
        Assert.Throws<ArgumentException>(() => ILogEngine.FromName("tape"));
        using var store = ILogEngine.Memory.Open(_temp.Sub("unused"), _ => new LogConfig(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        Assert.IsType<MemoryLogStore>(store);
        Assert.True(store.WasCleanShutdown);
        var log = store.GetOrCreate("t", 2);
        Assert.Equal("t-2", log.Name);
        Assert.Same(log, store.GetOrCreate("t", 2));
        Assert.True(store.TryGet("t", 2, out _));
        Assert.True(store.Delete("t", 2));
        Assert.False(store.TryGet("t", 2, out _));
        Assert.False(Directory.Exists(_temp.Sub("unused")));
    }
}
