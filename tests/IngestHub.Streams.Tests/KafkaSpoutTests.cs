using System.Collections.Concurrent;
using System.Text;
using IngestHub.Streams.Kafka;

namespace IngestHub.Streams.Tests;

public sealed class KafkaSpoutTests(BrokerFixture broker)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private TopologyEnvironment Environment => new() { BootstrapServers = broker.Bootstrap };

    private static KafkaSpout Spout(string topic, string group, int maxRetries = 10) => new(new KafkaSpoutOptions
    {
        Topics = [topic],
        GroupId = group,
        CommitPeriod = TimeSpan.FromMilliseconds(100),
        SessionTimeoutMs = 6_000,
        Retry = new KafkaSpoutRetry { DelayPeriod = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(50), MaxRetries = maxRetries },
    });

    [Fact]
    public async Task Only_the_contiguous_acked_prefix_is_committed()
    {
        await using var kafka = new KafkaTestClient(broker.Bootstrap);
        string topic = BrokerFixture.Unique("prefix");
        string group = topic + "-group";
        await kafka.CreateTopicAsync(topic, 1);
        await kafka.ProduceAsync(topic, Enumerable.Range(0, 100).Select(i => ((string?)null, $"v{i}", (int?)0)));

        var held = new HoldingBolt(offset => offset == 10);
        using var spout = Spout(topic, group);
        var builder = new TopologyBuilder();
        builder.SetSpout("kafka", spout);
        builder.SetBolt("hold", held).SetTickFrequency(1).ShuffleGrouping("kafka");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology(topic), environment: Environment);

        // Everything but offset 10 is acked: the commit stops at 10 and stays there.
        await Poll.UntilAsync(() => held.Acked == 99, Deadline, () => $"{held.Acked} acked");
        await Poll.UntilAsync(async () => await kafka.CommittedAsync(group, topic, 0) == 10, Deadline, () => "committed 10");
        await Task.Delay(500);
        Assert.Equal(10, await kafka.CommittedAsync(group, topic, 0));

        held.Release();
        await Poll.UntilAsync(async () => await kafka.CommittedAsync(group, topic, 0) == 100, Deadline, () => "committed 100 after the release");
    }

    [Fact]
    public async Task A_poison_record_is_retried_with_backoff_then_dead_lettered_and_the_commit_moves_past_it()
    {
        await using var kafka = new KafkaTestClient(broker.Bootstrap);
        string topic = BrokerFixture.Unique("poison");
        string group = topic + "-group";
        await kafka.CreateTopicAsync(topic, 1);
        await kafka.ProduceAsync(topic, Enumerable.Range(0, 50).Select(i => ((string?)$"k{i}", i == 7 ? "poison" : $"v{i}", (int?)0)));

        var attempts = new ConcurrentDictionary<long, int>();
        var succeeded = new ConcurrentBag<long>();
        using var spout = Spout(topic, group, maxRetries: 3);
        var builder = new TopologyBuilder();
        builder.SetSpout("kafka", spout);
        builder.SetBolt("work", new PoisonBolt(attempts, succeeded)).ShuffleGrouping("kafka");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology(topic), environment: Environment);

        // The spout never stalls behind the poison record: the other 49 complete.
        await Poll.UntilAsync(() => succeeded.Count == 49, Deadline, () => $"{succeeded.Count} succeeded");
        await Poll.UntilAsync(() => topology.Status().DeadLettered == 1, Deadline, () => $"dead-lettered: {topology.Status().DeadLettered}, attempts on 7: {attempts.GetValueOrDefault(7)}");
        var letters = await kafka.ReadAllAsync(topic + ".dlq", 1, Deadline);
        var letter = Assert.Single(letters);
        Assert.Equal("poison", Encoding.UTF8.GetString(letter.Value!));
        Assert.Equal("k7", Encoding.UTF8.GetString(letter.Key!));
        string Header(string key) => Encoding.UTF8.GetString(letter.Headers.Single(h => h.Key == key).Value!);
        Assert.Equal("7", Header("ingesthub.errors.offset"));
        Assert.Equal(topic, Header("ingesthub.errors.topic"));
        Assert.Equal("retries-exhausted", Header("ingesthub.errors.error.type"));
        Assert.Equal(4, attempts[7]); // the first try and three retries
        await Poll.UntilAsync(async () => await kafka.CommittedAsync(group, topic, 0) == 50, Deadline, () => "committed past the poison record");
        var partition = Assert.Single(topology.Status().Spouts.Single().Partitions);
        Assert.Equal(1, partition.DeadLettered);
        Assert.Equal(1, topology.Status().DeadLettered);
    }

    [Fact]
    public async Task A_new_run_resumes_from_the_committed_offsets_and_loses_nothing()
    {
        await using var kafka = new KafkaTestClient(broker.Bootstrap);
        string topic = BrokerFixture.Unique("resume");
        string group = topic + "-group";
        await kafka.CreateTopicAsync(topic, 3);
        await kafka.ProduceAsync(topic, Enumerable.Range(0, 3_000).Select(i => ((string?)$"k{i}", $"v{i}", (int?)(i % 3))));

        // Each run records what it saw on its own: within the first run a partition can move between the two spout
        // tasks while they join (at-least-once replays from the last commit), which says nothing about the resume.
        var firstSeen = new ConcurrentDictionary<(int, long), int>();
        var secondSeen = new ConcurrentDictionary<(int, long), int>();
        TopologyDefinition Build(bool holdFrom500, ConcurrentDictionary<(int, long), int> seen)
        {
            var builder = new TopologyBuilder();
            builder.SetSpout("kafka", () => Spout(topic, group), 1).SetNumTasks(2);
            builder.SetBolt("record", () => new SeenBolt(seen, holdFrom500), 2).ShuffleGrouping("kafka");
            return builder.CreateTopology(topic);
        }
        // The first run never acks offsets from 500 on: its commits stop there.
        var first = await RunningTopology.StartAsync(Build(holdFrom500: true, firstSeen), environment: Environment);
        for (int p = 0; p < 3; p++)
        {
            int partition = p;
            await Poll.UntilAsync(async () => await kafka.CommittedAsync(group, topic, partition) == 500, Deadline, () => $"partition {partition} committed 500");
        }
        await first.KillAsync(TimeSpan.Zero);
        Assert.Equal(1_500, firstSeen.Keys.Count(k => k.Item2 < 500));

        await using var second = await RunningTopology.StartAsync(Build(holdFrom500: false, secondSeen), environment: Environment);
        for (int p = 0; p < 3; p++)
        {
            int partition = p;
            await Poll.UntilAsync(async () => await kafka.CommittedAsync(group, topic, partition) == 1_000, Deadline, () => $"partition {partition} committed 1000");
        }
        // The second run starts at the committed offsets: it reads every record from 500 on and none below.
        Assert.DoesNotContain(secondSeen.Keys, k => k.Item2 < 500);
        Assert.Equal(1_500, secondSeen.Count);
        Assert.Equal(3_000, firstSeen.Keys.Union(secondSeen.Keys).Count());
    }

    [Fact]
    public async Task A_record_consumed_before_its_partition_was_lost_and_reassigned_does_not_skip_the_records_before_it()
    {
        await using var kafka = new KafkaTestClient(broker.Bootstrap);
        string topic = BrokerFixture.Unique("lost");
        string group = topic + "-group";
        await kafka.CreateTopicAsync(topic, 1);
        await kafka.ProduceAsync(topic, Enumerable.Range(0, 10).Select(i => ((string?)null, $"v{i}", (int?)0)));

        // The bolt keeps the tuples of the first assignment in flight: nothing is committed.
        var bolt = new ReceivingBolt();
        using var spout = Spout(topic, group);
        var builder = new TopologyBuilder();
        builder.SetSpout("kafka", spout);
        builder.SetBolt("receive", bolt).SetTickFrequency(1).ShuffleGrouping("kafka");
        await using var topology = await RunningTopology.StartAsync(builder.CreateTopology(topic), environment: Environment);
        await Poll.UntilAsync(() => bolt.Times(9) == 1, Deadline, () => $"{bolt.Received} received");

        // The spout thread stops taking records (as when the process is starved) while its consumer has one
        // more in hand; then the partition is lost and comes back (the spout's member leaves and rejoins the
        // group, as after a session expiry), and only then is that record taken.
        await Task.Delay(500); // lets the spout start waiting for the next record
        topology.Pause();
        await kafka.ProduceAsync(topic, [(null, "v10", 0)]);
        await Task.Delay(500); // the waiting consume completes with offset 10
        var other = new IngestHub.Client.KafkaConsumer(new IngestHub.Client.ConsumerOptions
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6_000,
        });
        other.Subscribe([topic]);
        await Poll.UntilAsync(async () =>
        {
            var description = await kafka.Admin.DescribeGroupAsync(group);
            return description.State == "Stable" && description.Members.Count == 2;
        }, Deadline, () => $"group {group} stable with 2 members");
        await other.DisposeAsync();
        await WindowAggregateBoltTests.WaitForStableGroupAsync(kafka, group, members: 1, topology);
        await Poll.UntilAsync(() => topology.Status().Spouts.Single().Partitions.Count == 1, Deadline, () => "the spout owns the partition again");

        bolt.Release();
        topology.Resume();
        // The new assignment reads again from the committed offset: every record is emitted again, none skipped.
        await Poll.UntilAsync(() => Enumerable.Range(0, 10).All(o => bolt.Times(o) == 2) && bolt.Times(10) >= 1, Deadline, () => $"received {bolt.Received}");
        await Poll.UntilAsync(async () => await kafka.CommittedAsync(group, topic, 0) == 11, Deadline, () => "committed 11");
        Assert.All(Enumerable.Range(0, 10), o => Assert.Equal(2, bolt.Times(o)));
    }

    /// <summary>Counts every offset it receives; holds (does not ack) the tuples received before <see cref="Release"/>.</summary>
    private sealed class ReceivingBolt : BaseRichBolt
    {
        private readonly ConcurrentDictionary<long, int> _times = new();
        private readonly List<StreamTuple> _held = [];
        private IOutputCollector _collector = null!;
        private volatile bool _released;

        public int Times(long offset) => _times.GetValueOrDefault(offset);

        public string Received => string.Join(",", _times.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}x{kv.Value}"));

        public void Release() => _released = true;

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Prepare(TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void Execute(StreamTuple input)
        {
            if (input.IsTick)
            {
                if (_released)
                {
                    foreach (var t in _held)
                        _collector.Ack(t);
                    _held.Clear();
                }
                return;
            }
            _times.AddOrUpdate(input.GetLongByField("offset"), 1, (_, n) => n + 1);
            if (_released)
                _collector.Ack(input);
            else
                _held.Add(input);
        }
    }

    private sealed class HoldingBolt(Func<long, bool> hold) : BaseRichBolt
    {
        private readonly List<StreamTuple> _held = [];
        private IOutputCollector _collector = null!;
        private volatile bool _released;
        private int _acked;

        public int Acked => Volatile.Read(ref _acked);

        public void Release() => _released = true;

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Prepare(TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void Execute(StreamTuple input)
        {
            if (input.IsTick)
            {
                if (_released)
                {
                    foreach (var t in _held)
                        _collector.Ack(t);
                    _held.Clear();
                }
                return;
            }
            if (hold(input.GetLongByField("offset")))
            {
                _held.Add(input);
                return;
            }
            _collector.Ack(input);
            Interlocked.Increment(ref _acked);
        }
    }

    private sealed class PoisonBolt(ConcurrentDictionary<long, int> attempts, ConcurrentBag<long> succeeded) : BaseBasicBolt
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Execute(StreamTuple input, IBasicOutputCollector collector)
        {
            long offset = input.GetLongByField("offset");
            attempts.AddOrUpdate(offset, 1, (_, n) => n + 1);
            if (input.GetStringByField("value") == "poison")
                throw new FailedException("cannot process this record");
            succeeded.Add(offset);
        }
    }

    private sealed class SeenBolt(ConcurrentDictionary<(int, long), int> seen, bool holdFrom500) : BaseRichBolt
    {
        private IOutputCollector _collector = null!;

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }

        public override void Prepare(TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void Execute(StreamTuple input)
        {
            long offset = input.GetLongByField("offset");
            seen.AddOrUpdate((input.GetIntegerByField("partition"), offset), 1, (_, n) => n + 1);
            if (!holdFrom500 || offset < 500)
                _collector.Ack(input);
        }
    }
}
