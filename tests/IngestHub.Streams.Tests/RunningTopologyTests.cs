using System.Collections.Concurrent;

namespace IngestHub.Streams.Tests;

public sealed class RunningTopologyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_tree_completes_and_the_emitting_spout_task_gets_the_ack()
    {
        var log = new SpoutLog();
        var seen = new ConcurrentQueue<(int, string, long)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", () => new NumberSpout(log, 20_000), 2);
        builder.SetBolt("split", () => new SplitBolt(), 2).ShuffleGrouping("numbers");
        builder.SetBolt("sink", () => new RecordingBolt(seen), 3).FieldsGrouping("split", new Fields("key"));
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("acks"));

        await Poll.UntilAsync(() => log.AckedBy.Count == 20_000, Deadline, () => $"{log.AckedBy.Count} acked, {log.FailedBy.Count} failed");
        Assert.Empty(log.FailedBy);
        Assert.Equal(40_000, seen.Count);
        foreach (var (id, task) in log.AckedBy)
            Assert.Equal(log.EmittedBy[id], task);
        var status = topology.Status();
        Assert.Equal(20_000, status.Spouts.Single().Acked);
        Assert.Equal(0, status.Spouts.Single().Pending);
        Assert.Equal(20_000, status.Acker!.Acked);
    }

    [Fact]
    public async Task A_failed_tuple_fails_its_root_on_the_task_that_emitted_it_and_the_rest_are_acked()
    {
        var log = new SpoutLog();
        var seen = new ConcurrentQueue<(int, string, long)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", () => new NumberSpout(log, 5_000), 3);
        builder.SetBolt("split", () => new SplitBolt(), 2).ShuffleGrouping("numbers");
        // One of the two children of every 7th id fails: its whole tree fails.
        builder.SetBolt("sink", () => new RecordingBolt(seen, fail: id => id % 7 == 0), 2).ShuffleGrouping("split");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("fails"));

        await Poll.UntilAsync(() => log.AckedBy.Count + log.FailedBy.Count == 5_000, Deadline, () => $"{log.AckedBy.Count} acked, {log.FailedBy.Count} failed");
        Assert.Equal(Enumerable.Range(0, 5_000).Where(i => i % 7 == 0).Select(i => (long)i).Order(), log.FailedBy.Keys.Order());
        foreach (var (id, task) in log.FailedBy)
            Assert.Equal(log.EmittedBy[id], task);
        Assert.DoesNotContain(log.AckedBy.Keys, id => id % 7 == 0);
    }

    [Fact]
    public async Task A_tuple_never_acked_fails_after_the_message_timeout_and_is_replayed()
    {
        var log = new SpoutLog();
        var seen = new ConcurrentQueue<(int, string, long)>();
        int dropped = 0;
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 100, replay: true));
        // The first delivery of id 42 is dropped (neither acked nor failed); its replay is acked.
        builder.SetBolt("sink", new RecordingBolt(seen, drop: id => id == 42 && Interlocked.Exchange(ref dropped, 1) == 0)).ShuffleGrouping("numbers");
        var started = DateTime.UtcNow;
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("timeout"), new TopologyConfig { MessageTimeoutSecs = 2 });

        await Poll.UntilAsync(() => log.AckedBy.Count == 100, Deadline, () => $"{log.AckedBy.Count} acked, fails: {string.Join(",", log.Fails)}");
        Assert.Equal([42L], log.Fails.ToArray());
        // Timed out no earlier than the timeout (a rotating map expires entries between 1 and 1.5 timeouts).
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(2));
        Assert.Equal(2, seen.Count(s => s.Item3 == 42));
        Assert.Equal(1, topology.Status().Spouts.Single().Failed);
    }

    [Fact]
    public async Task Pending_tuples_never_exceed_max_spout_pending_per_task()
    {
        var log = new SpoutLog();
        var held = new ConcurrentQueue<StreamTuple>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", () => new NumberSpout(log, 1_000_000), 2);
        builder.SetBolt("hold", new HoldingBolt(held)).ShuffleGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("pending"), new TopologyConfig { MaxSpoutPending = 50 });

        // Nothing is acked: each task stops at exactly 50 pending.
        await Poll.UntilAsync(() => held.Count == 100, Deadline, () => $"{held.Count} held");
        var status = topology.Status().Spouts.Single();
        Assert.Equal(100, status.Pending);
        Assert.All(status.TaskDetails, t => Assert.Equal(50, t.Pending));
        Assert.True(log.MaxPendingSeen <= 49, $"NextTuple was called with {log.MaxPendingSeen} pending");
        Assert.Equal(100, log.EmittedBy.Count);
    }

    [Fact]
    public async Task Without_ackers_every_emit_is_acked_at_once_and_nothing_fails()
    {
        var log = new SpoutLog();
        var seen = new ConcurrentQueue<(int, string, long)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 1_000));
        builder.SetBolt("sink", new RecordingBolt(seen, fail: _ => true)).ShuffleGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("unreliable"), new TopologyConfig { Ackers = 0 });

        await Poll.UntilAsync(() => log.AckedBy.Count == 1_000 && seen.Count == 1_000, Deadline, () => $"{log.AckedBy.Count} acked");
        Assert.Empty(log.FailedBy);
        Assert.Null(topology.Status().Acker);
    }

    [Fact]
    public async Task Spout_methods_of_a_task_never_run_concurrently_and_run_on_its_executor_thread()
    {
        var log = new SpoutLog();
        var seen = new ConcurrentQueue<(int, string, long)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 20_000));
        builder.SetBolt("sink", () => new RecordingBolt(seen, fail: id => id % 3 == 0), 2).ShuffleGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("threads"));

        await Poll.UntilAsync(() => log.AckedBy.Count + log.FailedBy.Count == 20_000, Deadline, () => $"{log.AckedBy.Count + log.FailedBy.Count} done");
        Assert.Equal(1, log.MaxConcurrent);
        Assert.Single(log.Threads);
    }

    [Fact]
    public async Task Tick_tuples_come_from_the_system_component_on_the_tick_stream()
    {
        var ticks = new ConcurrentQueue<(string Component, string Stream, int Task)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(new SpoutLog(), 0));
        builder.SetBolt("ticking", () => new TickBolt(ticks), 2).SetTickFrequency(1).ShuffleGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("ticks"));

        await Poll.UntilAsync(() => ticks.Select(t => t.Task).Distinct().Count() == 2 && ticks.Count >= 4, Deadline, () => $"{ticks.Count} ticks");
        Assert.All(ticks, t =>
        {
            Assert.Equal(TopologyConstants.SystemComponent, t.Component);
            Assert.Equal(TopologyConstants.TickStream, t.Stream);
        });
    }

    [Fact]
    public async Task A_basic_bolt_anchors_its_emits_and_acks_or_fails_for_you()
    {
        var log = new SpoutLog();
        var seen = new ConcurrentQueue<(int, string, long)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 2_000));
        builder.SetBolt("double", () => new DoublingBasicBolt(), 2).ShuffleGrouping("numbers");
        // Failing downstream of the basic bolt fails the spout tuple: the basic bolt's emits were anchored.
        builder.SetBolt("sink", new RecordingBolt(seen, fail: id => id % 10 == 1)).ShuffleGrouping("double");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("basic"));

        await Poll.UntilAsync(() => log.AckedBy.Count + log.FailedBy.Count == 2_000, Deadline, () => $"{log.AckedBy.Count} acked, {log.FailedBy.Count} failed");
        // id % 5 == 0 is failed by the basic bolt itself (FailedException); id % 10 == 1 downstream.
        Assert.Equal(Enumerable.Range(0, 2_000).Where(i => i % 5 == 0 || i % 10 == 1).Select(i => (long)i).Order(), log.FailedBy.Keys.Order());
    }

    [Fact]
    public async Task A_bolt_that_throws_fails_the_input_reports_the_error_and_keeps_running()
    {
        var log = new SpoutLog();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 300));
        builder.SetBolt("throwing", new ThrowingBolt()).ShuffleGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("throws"));

        await Poll.UntilAsync(() => log.AckedBy.Count + log.FailedBy.Count == 300, Deadline, () => $"{log.AckedBy.Count} acked, {log.FailedBy.Count} failed");
        Assert.Equal(100, log.FailedBy.Count);
        var bolt = topology.Status().Bolts.Single();
        Assert.Equal(100, bolt.Errors);
        Assert.Contains("boom on 2", bolt.LastError ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_inbox_makes_the_spout_wait_instead_of_queueing_without_bound()
    {
        var log = new SpoutLog();
        using var gate = new ManualResetEventSlim(false);
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 100_000, reliable: false));
        builder.SetBolt("slow", new GatedBolt(gate)).ShuffleGrouping("numbers");
        var config = new TopologyConfig { ReceiveBufferSize = 64, TransferBatchSize = 16, Ackers = 0 };
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("backpressure"), config);

        // The bolt is blocked on its first tuple: the spout fills the 64-tuple inbox (plus one batch in hand) and waits.
        await Poll.UntilAsync(() => topology.Status().Bolts.Single().Queued >= 48, Deadline, () => $"queued {topology.Status().Bolts.Single().Queued}");
        await Task.Delay(300);
        var status = topology.Status();
        Assert.InRange(status.Bolts.Single().Queued, 48, 64);
        // At most one first drain (≤ 64), a full inbox and the batch the spout holds while it waits.
        Assert.InRange(log.EmittedBy.Count, 48, 64 + 64 + 16 + 1);
        gate.Set();
        await Poll.UntilAsync(() => topology.Status().Bolts.Single().Executed == 100_000, Deadline, () => $"executed {topology.Status().Bolts.Single().Executed}");
    }

    [Fact]
    public async Task Pause_stops_next_tuple_and_resume_continues()
    {
        var log = new SpoutLog();
        var seen = new ConcurrentQueue<(int, string, long)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 10_000_000));
        builder.SetBolt("sink", new RecordingBolt(seen)).ShuffleGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("pause"));

        await Poll.UntilAsync(() => seen.Count > 1000, Deadline, () => $"{seen.Count} seen");
        topology.Pause();
        Assert.Equal(TopologyState.Inactive, topology.State);
        await Poll.UntilAsync(() => topology.Status().Spouts.Single().Pending == 0, Deadline, () => "pending after pause");
        int paused = log.EmittedBy.Count;
        await Task.Delay(300);
        Assert.Equal(paused, log.EmittedBy.Count);
        topology.Resume();
        await Poll.UntilAsync(() => log.EmittedBy.Count > paused + 1000, Deadline, () => $"{log.EmittedBy.Count} emitted after resume");
        Assert.Equal(TopologyState.Active, topology.State);
    }

    [Fact]
    public async Task A_task_that_fails_to_prepare_refuses_the_topology_with_the_reason()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(new SpoutLog(), 10));
        builder.SetBolt("broken", new BrokenBolt()).ShuffleGrouping("numbers");
        var ex = await Assert.ThrowsAsync<InvalidTopologyException>(() => RunningTopology.StartAsync(builder.CreateTopology("broken")));
        Assert.Contains("broken task", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no database", ex.Message, StringComparison.Ordinal);
    }

    private sealed class HoldingBolt(ConcurrentQueue<StreamTuple> held) : BaseRichBolt
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Prepare(TopologyContext context, IOutputCollector collector)
        {
        }

        public override void Execute(StreamTuple input) => held.Enqueue(input);
    }

    private sealed class TickBolt(ConcurrentQueue<(string, string, int)> ticks) : BaseRichBolt
    {
        private IOutputCollector _collector = null!;
        private int _task;

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Prepare(TopologyContext context, IOutputCollector collector)
        {
            _collector = collector;
            _task = context.ThisTaskIndex;
        }

        public override void Execute(StreamTuple input)
        {
            if (input.IsTick)
                ticks.Enqueue((input.SourceComponent, input.SourceStreamId, _task));
            _collector.Ack(input);
        }
    }

    private sealed class DoublingBasicBolt : BaseBasicBolt
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("id", "key"));

        public override void Execute(StreamTuple input, IBasicOutputCollector collector)
        {
            long id = input.GetLong(0);
            if (id % 5 == 0)
                throw new FailedException();
            collector.Emit(new Values(id, input.GetString(1)));
            collector.Emit(new Values(id, input.GetString(1)));
        }
    }

    private sealed class ThrowingBolt : BaseRichBolt
    {
        private IOutputCollector _collector = null!;

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Prepare(TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void Execute(StreamTuple input)
        {
            long id = input.GetLong(0);
            if (id % 3 == 2)
                throw new InvalidOperationException($"boom on {id % 3}");
            _collector.Ack(input);
        }
    }

    private sealed class GatedBolt(ManualResetEventSlim gate) : BaseRichBolt
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Prepare(TopologyContext context, IOutputCollector collector)
        {
        }

        public override void Execute(StreamTuple input) => gate.Wait();
    }

    private sealed class BrokenBolt : BaseRichBolt
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Prepare(TopologyContext context, IOutputCollector collector) => throw new InvalidOperationException("no database");

        public override void Execute(StreamTuple input)
        {
        }
    }
}
