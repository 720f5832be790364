using System.Diagnostics;
using System.Threading.Channels;
using IngestHub.Streams;
using IngestHub.Streams.Runtime;
using IngestHub.Streams.Topology;

namespace IngestHub.Benchmarks;

/// <summary>
/// <c>topology [--tuples N] [--rounds R] [--pending P]</c>: tuples per second through spout → bolt → bolt (one
/// executor each) with acking on (one acker, max.spout.pending P) and off, beside a peer of the same shape measured
/// in the same run: three threads handing the same tuples (boxed values in an array) through bounded
/// System.Threading.Channels, with no grouping, acking or statistics. Rounds alternate the cases (ABC, CBA…) so a
/// teammate's load hits them alike; the median round is reported with process CPU time and allocation per tuple.
/// </summary>
public static class TopologyThroughputHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        long tuples = Option(args, "--tuples", 2_000_000);
        int rounds = (int)Option(args, "--rounds", 5);
        int pending = (int)Option(args, "--pending", 1_000);
        var cases = new (string Name, Func<long, Task<Measurement>> Run)[]
        {
            ("topology, acking on", n => RunTopologyAsync(n, ackers: 1, pending)),
            ("topology, acking off", n => RunTopologyAsync(n, ackers: 0, pending)),
            ("peer: bounded channels", RunChannelsAsync),
        };
        Console.WriteLine($"spout -> bolt -> bolt, {tuples:N0} tuples per round, {rounds} rounds, max.spout.pending {pending}, {Environment.ProcessorCount} cores");
        // Warm-up: JIT and thread pool.
        foreach (var c in cases)
            await c.Run(Math.Min(tuples, 200_000));

        var results = cases.Select(_ => new List<Measurement>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            var order = Enumerable.Range(0, cases.Length);
            foreach (int i in round % 2 == 0 ? order : order.Reverse())
            {
                var m = await cases[i].Run(tuples);
                results[i].Add(m);
                Console.WriteLine($"  round {round + 1} {cases[i].Name,-24} {m.TuplesPerSecond,12:N0} tuples/s  cpu {m.CpuMicrosPerTuple:F2} us/tuple  alloc {m.BytesPerTuple:F0} B/tuple{m.Note}");
            }
        }
        double peer = Median(results[^1]).TuplesPerSecond;
        Console.WriteLine();
        Console.WriteLine("| case | tuples/s (median) | vs peer | CPU us/tuple | B/tuple |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (int i = 0; i < cases.Length; i++)
        {
            var m = Median(results[i]);
            Console.WriteLine($"| {cases[i].Name} | {m.TuplesPerSecond:N0} | {m.TuplesPerSecond / peer:F2} | {m.CpuMicrosPerTuple:F2} | {m.BytesPerTuple:F0} |");
        }
        return 0;
    }

    private static async Task<Measurement> RunTopologyAsync(long tuples, int ackers, int pending)
    {
        var spout = new SequenceSpout(tuples, reliable: ackers > 0);
        var sink = new CountingBolt();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", spout);
        builder.SetBolt("double", new DoublingBolt()).ShuffleGrouping("numbers");
        builder.SetBolt("count", sink).ShuffleGrouping("double");
        var config = new TopologyConfig { Ackers = ackers, MaxSpoutPending = pending, MessageTimeoutSecs = 120 };
        var before = Sample();
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("bench"), config);
        while (ackers > 0 ? spout.Acked < tuples : sink.Count < tuples)
        {
            await Task.Delay(2);
            if (topology.Error is { } error)
                throw new InvalidOperationException(error);
        }
        var after = Sample();
        var status = topology.Status();
        string note = $"  capacity spout {status.Spouts[0].Capacity:F2} double {status.Bolts.Single(b => b.Id == "double").Capacity:F2} count {status.Bolts.Single(b => b.Id == "count").Capacity:F2}"
            + (status.Acker is { } acker ? $" acker {acker.Capacity:F2}" : "") + (spout.Failed > 0 ? $"  FAILED {spout.Failed}" : "");
        return Measurement.Between(before, after, tuples, note);
    }

    private static async Task<Measurement> RunChannelsAsync(long tuples)
    {
        var options = new BoundedChannelOptions(1_000) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait };
        var first = Channel.CreateBounded<object?[]>(options);
        var second = Channel.CreateBounded<object?[]>(options);
        long count = 0;
        var before = Sample();
        var source = Task.Run(async () =>
        {
            for (long n = 0; n < tuples; n++)
            {
                object?[] values = [n];
                if (!first.Writer.TryWrite(values))
                    await first.Writer.WriteAsync(values);
            }
            first.Writer.Complete();
        });
        var middle = Task.Run(async () =>
        {
            while (await first.Reader.WaitToReadAsync())
            {
                while (first.Reader.TryRead(out var values))
                {
                    object?[] doubled = [(long)values[0]! * 2];
                    if (!second.Writer.TryWrite(doubled))
                        await second.Writer.WriteAsync(doubled);
                }
            }
            second.Writer.Complete();
        });
        var last = Task.Run(async () =>
        {
            while (await second.Reader.WaitToReadAsync())
            {
                while (second.Reader.TryRead(out var values))
                {
                    if (values[0] is long)
                        count++;
                }
            }
        });
        await Task.WhenAll(source, middle, last);
        var after = Sample();
        if (count != tuples)
            throw new InvalidOperationException($"peer counted {count} of {tuples}");
        return Measurement.Between(before, after, tuples, "");
    }

    private static (long Ticks, TimeSpan Cpu, long Bytes) Sample() =>
        (Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false));

    private static Measurement Median(List<Measurement> list) => list.OrderBy(m => m.TuplesPerSecond).ElementAt(list.Count / 2);

    private static long Option(string[] args, string name, long fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? long.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private sealed record Measurement(double TuplesPerSecond, double CpuMicrosPerTuple, double BytesPerTuple, string Note)
    {
        public static Measurement Between((long Ticks, TimeSpan Cpu, long Bytes) before, (long Ticks, TimeSpan Cpu, long Bytes) after, long tuples, string note)
        {
            double seconds = (after.Ticks - before.Ticks) / (double)Stopwatch.Frequency;
            return new Measurement(tuples / seconds, (after.Cpu - before.Cpu).TotalMicroseconds / tuples, (after.Bytes - before.Bytes) / (double)tuples, note);
        }
    }

    /// <summary>Emits 0..count-1, one tuple per NextTuple, each with its number as message id when reliable.</summary>
    private sealed class SequenceSpout(long count, bool reliable) : BaseRichSpout
    {
        private ISpoutOutputCollector _collector = null!;
        private long _next;
        private long _acked;
        private long _failed;

        public long Acked => Volatile.Read(ref _acked);

        public long Failed => Volatile.Read(ref _failed);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));

        public override void Open(TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            if (_next >= count)
                return;
            object n = _next++;
            _collector.Emit(new Values(n), reliable ? n : null);
        }

        public override void Ack(object messageId) => Volatile.Write(ref _acked, _acked + 1);

        // A timeout under load: replay it, as a reliable spout does.
        public override void Fail(object messageId)
        {
            Volatile.Write(ref _failed, _failed + 1);
            _collector.Emit(new Values(messageId), messageId);
        }
    }

    private sealed class DoublingBolt : BaseBasicBolt
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));

        public override void Execute(StreamTuple input, IBasicOutputCollector collector) => collector.Emit(new Values(input.GetLong(0) * 2));
    }

    private sealed class CountingBolt : BaseBasicBolt
    {
        private long _count;

        public long Count => Volatile.Read(ref _count);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Execute(StreamTuple input, IBasicOutputCollector collector) => Volatile.Write(ref _count, _count + 1);
    }
}
