using FsCheck;
using FsCheck.Fluent;
using IngestHub.Protocol;
using Xunit;

namespace IngestHub.Storage.Tests;

/// <summary>Random append / read / roll / retention / delete-records / reopen sequences against an in-memory model.</summary>
public sealed class PartitionLogPropertyTests
{
    private const long T0 = 1_700_000_000_000;

    public enum OpKind { Append, Read, Retention, DeleteRecords, ReopenClean, ReopenUnclean }

    public sealed record Op(OpKind Kind, int A, int B);

    private sealed record ModelBatch(long BaseOffset, int Size, string[] Values);

    private static readonly Gen<Op> OpGen = Gen.Frequency(
        (10, Gen.Choose(1, 5).SelectMany(n => Gen.Choose(0, 200).Select(len => new Op(OpKind.Append, n, len)))),
        (5, Gen.Choose(0, 1000).SelectMany(o => Gen.Choose(1, 3000).Select(m => new Op(OpKind.Read, o, m)))),
        (2, Gen.Choose(0, 3000).Select(ms => new Op(OpKind.Retention, ms, 0))),
        (1, Gen.Choose(0, 1000).Select(o => new Op(OpKind.DeleteRecords, o, 0))),
        (1, Gen.Constant(new Op(OpKind.ReopenClean, 0, 0))),
        (1, Gen.Constant(new Op(OpKind.ReopenUnclean, 0, 0))));

    [Fact]
    public void Log_matches_the_model_for_random_operation_sequences()
    {
        var arbitrary = Arb.From(Gen.ListOf(OpGen).Select(ops => ops.ToArray()));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60).WithEndSize(60), Prop.ForAll(arbitrary, Run));
    }

    private static bool Run(Op[] ops)
    {
        using var temp = new TempDirectory();
        var config = new LogConfig { SegmentBytes = 2048, IndexIntervalBytes = 128, RetentionMs = 2500, RetentionBytes = 6000 };
        var clock = new ManualClock(T0);
        string dir = temp.Sub("model-0");
#pragma warning disable CA2000 // closed with Close(clean) on reopen and in the finally: unclean closes model crashes
        var log = PartitionLog.Open(dir, config, time: clock);
#pragma warning restore CA2000
        var batches = new List<ModelBatch>();
        long logStart = 0, logEnd = 0;
        int counter = 0;
        try
        {
            foreach (var op in ops)
            {
                switch (op.Kind)
                {
                    case OpKind.Append:
                        var values = Enumerable.Range(0, op.A).Select(i => $"{counter++}:" + new string('x', op.B)).ToArray();
                        var batch = TestBatches.Build(clock.NowMs, 0, values);
                        var result = log.Append(batch);
                        Assert.Equal(ErrorCode.None, result.Error);
                        Assert.Equal(logEnd, result.BaseOffset);
                        batches.Add(new ModelBatch(logEnd, batch.Length, values));
                        logEnd += op.A;
                        break;
                    case OpKind.Read:
                        long readFrom = logStart + (logEnd - logStart + 1) * op.A / 1001;
                        int maxBytes = op.B;
                        if (op.A % 2 == 0)
                        {
                            // Exactly k whole batches: the boundary case of the max-bytes bound.
                            int from = batches.FindLastIndex(b => b.BaseOffset <= readFrom);
                            maxBytes = from < 0 ? op.B : batches.Skip(from).Take(op.B % 4 + 1).Sum(b => b.Size);
                        }
                        CheckRead(log, batches, logStart, logEnd, readFrom, maxBytes);
                        break;
                    case OpKind.Retention:
                        clock.NowMs += op.A;
                        log.ApplyRetention(clock.NowMs);
                        Assert.True(log.LogStartOffset >= logStart);
                        Assert.True(log.LogStartOffset <= Math.Max(logStart, log.Segments[^1].BaseOffset));
                        var oldest = log.Segments[0];
                        if (log.Segments.Count > 1)
                        {
                            Assert.False(clock.NowMs - oldest.MaxTimestamp > config.RetentionMs);
                            Assert.True(log.Size - oldest.Size < config.RetentionBytes);
                        }
                        logStart = log.LogStartOffset;
                        break;
                    case OpKind.DeleteRecords:
                        long target = logStart + (logEnd - logStart) * op.A / 1000;
                        Assert.Equal(ErrorCode.None, log.DeleteRecordsBefore(target));
                        logStart = Math.Max(logStart, target);
                        Assert.Equal(logStart, log.LogStartOffset);
                        break;
                    case OpKind.ReopenClean:
                    case OpKind.ReopenUnclean:
                        bool clean = op.Kind == OpKind.ReopenClean;
                        log.Close(clean);
#pragma warning disable CA2000 // closed with Close(clean) on the next reopen or in the finally
                        log = PartitionLog.Open(dir, config, clean, time: clock);
#pragma warning restore CA2000
                        // Whole segments below the checkpointed log start may come back only as "below log start".
                        Assert.Equal(logStart, log.LogStartOffset);
                        break;
                }
                Assert.Equal(logEnd, log.LogEndOffset);
                Assert.Equal(logEnd, log.HighWatermark);
            }
            CheckRead(log, batches, logStart, logEnd, logStart, int.MaxValue);
            using var outOfRange = log.Read(logEnd + 1, 100);
            Assert.Equal(ErrorCode.OffsetOutOfRange, outOfRange.Error);
            return true;
        }
        finally
        {
            log.Close(clean: false);
        }
    }

    private static void CheckRead(PartitionLog log, List<ModelBatch> batches, long logStart, long logEnd, long offset, int maxBytes)
    {
        using var result = log.Read(offset, maxBytes);
        Assert.Equal(ErrorCode.None, result.Error);
        if (offset == logEnd)
        {
            Assert.Equal(0, result.Length);
            return;
        }
        var buffer = new byte[result.Length];
        result.CopyTo(buffer);
        var records = TestBatches.Parse(buffer);
        int first = batches.FindLastIndex(b => b.BaseOffset <= offset);
        int expectedBytes = 0, count = 0, i = first;
        for (; i < batches.Count && (count == 0 || expectedBytes + batches[i].Size <= maxBytes); i++, count++)
            expectedBytes += batches[i].Size;
        Assert.Equal(expectedBytes, result.Length);
        var expected = batches.Skip(first).Take(count).SelectMany(b => b.Values.Select((v, j) => (b.BaseOffset + j, v))).ToList();
        Assert.Equal(expected, records.Select(r => (r.Offset, r.Value)).ToList());
        Assert.True(records[^1].Offset < logEnd);
        Assert.True(records[^1].Offset >= logStart);
    }
}
