using System.Collections.Concurrent;

namespace IngestHub.Streams.Tests;

public sealed class GroupingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Fields_grouping_sends_equal_keys_to_one_task_also_across_live_rebalances()
    {
        var log = new SpoutLog();
        var seen = new ConcurrentQueue<(int Task, string Key, long Id)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", () => new NumberSpout(log, 400_000, keys: 97), 2);
        builder.SetBolt("counts", () => new RecordingBolt(seen), 1).SetNumTasks(6).FieldsGrouping("numbers", new Fields("key"));
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("fields"));
        Assert.Equal(1, topology.ExecutorsOf("counts"));
        Assert.Equal(6, topology.TasksOf("counts"));

        foreach (int executors in new[] { 4, 6, 2, 3 })
        {
            long before = seen.Count;
            await Poll.UntilAsync(() => seen.Count > before + 20_000, Deadline, () => $"{seen.Count} seen");
            await topology.RebalanceAsync("counts", executors);
            Assert.Equal(executors, topology.ExecutorsOf("counts"));
        }
        await Poll.UntilAsync(() => log.AckedBy.Count == 400_000, Deadline, () => $"{log.AckedBy.Count} acked");

        Assert.Empty(log.FailedBy);
        var tasksPerKey = seen.GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Select(s => s.Task).Distinct().ToList());
        Assert.Equal(97, tasksPerKey.Count);
        Assert.All(tasksPerKey, kv => Assert.Single(kv.Value));
        // 97 keys over 6 tasks: every task has keys.
        Assert.Equal(6, tasksPerKey.Values.Select(t => t[0]).Distinct().Count());
    }

    [Fact]
    public async Task Shuffle_grouping_spreads_tuples_evenly_over_the_tasks()
    {
        var seen = new ConcurrentQueue<(int Task, string Key, long Id)>();
        var log = new SpoutLog();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 30_000));
        builder.SetBolt("sink", () => new RecordingBolt(seen), 3).ShuffleGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("shuffle"));
        await Poll.UntilAsync(() => log.AckedBy.Count == 30_000, Deadline, () => $"{log.AckedBy.Count} acked");

        // Storm's shuffle walks a shuffled list of the tasks: after every full pass each task got one tuple.
        var perTask = seen.GroupBy(s => s.Task).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, perTask.Count);
        Assert.All(perTask.Values, n => Assert.Equal(10_000, n));
    }

    [Fact]
    public async Task All_grouping_gives_every_task_every_tuple_and_global_grouping_uses_the_lowest_task()
    {
        var all = new ConcurrentQueue<(int Task, string Key, long Id)>();
        var global = new ConcurrentQueue<(int Task, string Key, long Id)>();
        var log = new SpoutLog();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 1_000));
        builder.SetBolt("all", () => new RecordingBolt(all), 3).AllGrouping("numbers");
        builder.SetBolt("global", () => new RecordingBolt(global), 4).GlobalGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("all-global"));
        await Poll.UntilAsync(() => log.AckedBy.Count == 1_000, Deadline, () => $"{log.AckedBy.Count} acked");

        Assert.Equal(3_000, all.Count);
        Assert.All(all.GroupBy(s => s.Task), g => Assert.Equal(1_000, g.Select(s => s.Id).Distinct().Count()));
        Assert.Equal(1_000, global.Count);
        Assert.All(global, s => Assert.Equal(0, s.Task));
    }

    [Fact]
    public async Task Direct_grouping_delivers_to_the_task_the_emitter_names()
    {
        var seen = new ConcurrentQueue<(int Task, string Key, long Id)>();
        var builder = new TopologyBuilder();
        builder.SetSpout("direct", new DirectSpout(300));
        builder.SetBolt("sink", () => new RecordingBolt(seen), 3).DirectGrouping("direct");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("direct"));
        await Poll.UntilAsync(() => seen.Count == 300, Deadline, () => $"{seen.Count} seen");

        // The spout sends id to task index id % 3.
        Assert.All(seen, s => Assert.Equal((int)(s.Id % 3), s.Task));
    }

    [Fact]
    public async Task Local_or_shuffle_grouping_uses_every_in_process_task()
    {
        var seen = new ConcurrentQueue<(int Task, string Key, long Id)>();
        var log = new SpoutLog();
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout(log, 3_000));
        builder.SetBolt("sink", () => new RecordingBolt(seen), 3).LocalOrShuffleGrouping("numbers");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology("local"));
        await Poll.UntilAsync(() => log.AckedBy.Count == 3_000, Deadline, () => $"{log.AckedBy.Count} acked");
        Assert.Equal(3, seen.Select(s => s.Task).Distinct().Count());
    }

    private sealed class DirectSpout(long count) : BaseRichSpout
    {
        private ISpoutOutputCollector _collector = null!;
        private IReadOnlyList<int> _targets = [];
        private long _next;

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(direct: true, new Fields("id", "key"));

        public override void Open(TopologyContext context, ISpoutOutputCollector collector)
        {
            _collector = collector;
            _targets = context.GetComponentTasks("sink");
        }

        public override void NextTuple()
        {
            if (_next >= count)
                return;
            long id = _next++;
            _collector.EmitDirect(_targets[(int)(id % _targets.Count)], TopologyConstants.DefaultStream, new Values(id, "k"), id);
        }
    }
}
