using System.Collections.Concurrent;
using IngestHub.Streams.Windows;

namespace IngestHub.Streams.Tests;

public sealed class WindowedBoltTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Event_time_tumbling_windows_hold_exactly_their_tuples_and_ack_them_when_they_expire()
    {
        var windows = new ConcurrentQueue<WindowResult>();
        var spout = new TimedSpout([.. Enumerable.Range(0, 600).Select(i => (long)i * 100)]); // 0 .. 59.9 s, 10 per second
        var builder = new TopologyBuilder();
        builder.SetSpout("events", spout);
        builder.SetBolt("windows", new CollectingWindowBolt(windows)
            .WithTumblingWindow(WindowSize.Seconds(10)).WithTimestampField("ts").WithIdleTimeout(TimeSpan.FromSeconds(1)))
            .ShuffleGrouping("events");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("tumbling"));

        await Poll.UntilAsync(() => windows.Count == 6 && spout.Acked == 600, Deadline, () => $"{windows.Count} windows, {spout.Acked} acked");
        var ordered = windows.OrderBy(w => w.Start).ToList();
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(i * 10_000L, ordered[i].Start);
            Assert.Equal((i + 1) * 10_000L, ordered[i].End);
            Assert.Equal(Enumerable.Range(i * 100, 100).Select(k => (long)k * 100), ordered[i].Timestamps.Order());
            Assert.Equal(100, ordered[i].New);
        }
        Assert.Equal(0, spout.Failed);
    }

    [Fact]
    public async Task Event_time_sliding_windows_overlap_and_report_new_and_expired_tuples()
    {
        var windows = new ConcurrentQueue<WindowResult>();
        var spout = new TimedSpout([.. Enumerable.Range(0, 40).Select(i => (long)i * 1000)]); // one per second, 0..39 s
        var builder = new TopologyBuilder();
        builder.SetSpout("events", spout);
        builder.SetBolt("windows", new CollectingWindowBolt(windows)
            .WithWindow(WindowSize.Seconds(20), WindowSize.Seconds(10)).WithTimestampField("ts").WithIdleTimeout(TimeSpan.FromSeconds(1)))
            .ShuffleGrouping("events");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("sliding"));

        await Poll.UntilAsync(() => windows.Count == 5, Deadline, () => $"{windows.Count} windows");
        var ordered = windows.OrderBy(w => w.End).ToList();
        // Windows [end-20s, end) for ends 10, 20, 30, 40, 50 s.
        Assert.Equal([10_000L, 20_000, 30_000, 40_000, 50_000], ordered.Select(w => w.End));
        Assert.Equal([10, 20, 20, 20, 10], ordered.Select(w => w.Timestamps.Count));
        Assert.Equal([10, 10, 10, 10, 0], ordered.Select(w => w.New));
        Assert.Equal([0, 0, 10, 10, 10], ordered.Select(w => w.Expired));
        await Poll.UntilAsync(() => spout.Acked == 40, Deadline, () => $"{spout.Acked} acked");
    }

    [Fact]
    public async Task Count_windows_slide_by_count_in_arrival_order()
    {
        var windows = new ConcurrentQueue<WindowResult>();
        var spout = new TimedSpout([.. Enumerable.Range(0, 20).Select(i => (long)i)]);
        var builder = new TopologyBuilder();
        builder.SetSpout("events", spout);
        builder.SetBolt("windows", new CollectingWindowBolt(windows).WithWindow(WindowSize.Count(5), WindowSize.Count(5)))
            .ShuffleGrouping("events");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("counts"));

        await Poll.UntilAsync(() => windows.Count == 4 && spout.Acked == 20, Deadline, () => $"{windows.Count} windows, {spout.Acked} acked");
        Assert.Equal([0L, 5, 10, 15], windows.Select(w => w.Timestamps.Min()));
        Assert.All(windows, w => Assert.Equal(5, w.Timestamps.Count));
    }

    [Fact]
    public async Task A_tuple_older_than_the_watermark_goes_to_the_late_stream()
    {
        var windows = new ConcurrentQueue<WindowResult>();
        var late = new ConcurrentQueue<StreamTuple>();
        // 0..29 s, then (once a window was evaluated) a tuple at 1 s: behind the watermark.
        var spout = new TimedSpout([.. Enumerable.Range(0, 30).Select(i => (long)i * 1000)], lateTimestamp: 1_000, releaseLate: () => !windows.IsEmpty);
        var builder = new TopologyBuilder();
        builder.SetSpout("events", spout);
        builder.SetBolt("windows", new CollectingWindowBolt(windows)
            .WithTumblingWindow(WindowSize.Seconds(10)).WithTimestampField("ts").WithLag(TimeSpan.FromSeconds(2)).WithLateTupleStream("late"))
            .ShuffleGrouping("events");
        builder.SetBolt("late-sink", new LateBolt(late)).ShuffleGrouping("windows", "late");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("late"));

        await Poll.UntilAsync(() => late.Count == 1, Deadline, () => $"{late.Count} late, {windows.Count} windows");
        var lateTuple = Assert.IsType<StreamTuple>(late.Single().GetValueByField(TopologyConstants.LateTupleField));
        Assert.Equal(1_000L, lateTuple.GetLongByField("ts"));
        // The late tuple is acked, not failed: it is not replayed.
        await Poll.UntilAsync(() => spout.AckedIds.Contains(30), Deadline, () => "late tuple acked");
        Assert.Equal(0, spout.Failed);
    }

    [Fact]
    public async Task A_window_longer_than_the_message_timeout_is_refused_at_submit()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("events", new TimedSpout([]));
        builder.SetBolt("windows", new CollectingWindowBolt(new ConcurrentQueue<WindowResult>())
            .WithWindow(WindowSize.Seconds(25), WindowSize.Seconds(10)).WithTimestampField("ts")).ShuffleGrouping("events");
        var ex = await Assert.ThrowsAsync<InvalidTopologyException>(() => RunningTopology.StartAsync(builder.CreateTopology("too-long")));
        Assert.Equal("windows: window length + sliding interval (35s) exceeds topology.message.timeout.secs (30s): its tuples would time out before the window expires them", ex.Message);

        var counts = new TopologyBuilder();
        counts.SetSpout("events", new TimedSpout([]));
        counts.SetBolt("windows", new CollectingWindowBolt(new ConcurrentQueue<WindowResult>())
            .WithWindow(WindowSize.Count(900), WindowSize.Count(200))).ShuffleGrouping("events");
        var countEx = await Assert.ThrowsAsync<InvalidTopologyException>(() => RunningTopology.StartAsync(counts.CreateTopology("too-many")));
        Assert.Contains("exceeds topology.max.spout.pending (1000)", countEx.Message, StringComparison.Ordinal);

        var fits = new TopologyBuilder();
        fits.SetSpout("events", new TimedSpout([]));
        fits.SetBolt("windows", new CollectingWindowBolt(new ConcurrentQueue<WindowResult>())
            .WithWindow(WindowSize.Seconds(25), WindowSize.Seconds(10)).WithTimestampField("ts")).ShuffleGrouping("events");
        await using var ok = await RunningTopology.StartAsync(fits.CreateTopology("fits"), new TopologyConfig { MessageTimeoutSecs = 35 });
        Assert.Equal(TopologyState.Active, ok.State);
    }

    public sealed record WindowResult(long? Start, long End, List<long> Timestamps, int New, int Expired);

    private sealed class CollectingWindowBolt(ConcurrentQueue<WindowResult> results) : BaseWindowedBolt
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("count"));

        public override void Execute(ITupleWindow window) =>
            results.Enqueue(new WindowResult(window.StartTimestamp, window.EndTimestamp, [.. window.Get().Select(t => t.GetLongByField("ts"))],
                window.GetNew().Count, window.GetExpired().Count));
    }

    private sealed class LateBolt(ConcurrentQueue<StreamTuple> late) : BaseBasicBolt
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Execute(StreamTuple input, IBasicOutputCollector collector) => late.Enqueue(input);
    }

    /// <summary>Emits one tuple (id, ts) per timestamp, reliably; optionally one late tuple once allowed.</summary>
    private sealed class TimedSpout(long[] timestamps, long? lateTimestamp = null, Func<bool>? releaseLate = null) : BaseRichSpout
    {
        private ISpoutOutputCollector _collector = null!;
        private int _next;
        private bool _lateSent;
        private int _acked;
        private int _failed;

        public int Acked => Volatile.Read(ref _acked);

        public int Failed => Volatile.Read(ref _failed);

        public ConcurrentBag<int> AckedIds { get; } = [];

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("id", "ts"));

        public override void Open(TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            if (_next < timestamps.Length)
            {
                _collector.Emit(new Values(_next, timestamps[_next]), _next);
                _next++;
            }
            else if (lateTimestamp is { } ts && !_lateSent && releaseLate!())
            {
                _lateSent = true;
                _collector.Emit(new Values(_next, ts), _next);
            }
        }

        public override void Ack(object messageId)
        {
            AckedIds.Add((int)messageId);
            Interlocked.Increment(ref _acked);
        }

        public override void Fail(object messageId) => Interlocked.Increment(ref _failed);
    }
}
