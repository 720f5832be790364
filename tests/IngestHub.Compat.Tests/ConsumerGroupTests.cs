using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Messages.ConsumerProtocol;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Consumer groups with real clients: kcat (librdkafka 2.0.2) balanced consumers and kafkajs 2.2.4 against one
/// out-of-process server with six partitions per topic; the restart cases run their own server.
/// </summary>
public sealed class ConsumerGroupTests(GroupServerFixture fixture) : IClassFixture<GroupServerFixture>
{
    private const int Partitions = 6;
    /// <summary>The members' session.timeout.ms.</summary>
    private static readonly TimeSpan s_session = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_kcat_members_take_two_partitions_each_and_consume_every_record_exactly_once()
    {
        const string topic = "grp-split";
        const int count = 60_000;
        using var channel = await KafkaRequestChannel.ConnectAsync(fixture.Server.KafkaPort, Ct);
        await channel.CreateTopicAsync(topic, Partitions);
        await using var members = new MemberSet();
        for (int i = 0; i < 3; i++)
            members.Add(KcatGroupMember.Start($"split-{i}", fixture.Bootstrap, topic, topic));

        // Records arrive only once the group is stable, so everything is consumed in the steady state.
        var stable = await WaitForStableAsync(channel, topic, 3, members);
        AssertAssignmentsCover(stable, topic);
        await ProduceAsync(fixture.Bootstrap, topic, count, "split");
        long[] ends = await channel.EndOffsetsAsync(topic, Partitions);
        Assert.Equal(count, ends.Sum());

        await Polling.Eventually(() => members.All.Sum(m => m.Count) >= count, TimeSpan.FromSeconds(60),
            $"the group should consume {count} records\n{members.Describe()}");
        await members.StopAllAsync();

        var consumed = members.All.SelectMany(m => m.Records()).ToList();
        Assert.True(consumed.Count == count, $"{consumed.Count} records consumed for {count} produced\n{members.Describe()}");
        Assert.True(consumed.ToHashSet().SetEquals(Expected(ends)), "every topic-partition-offset exactly once");
        var owned = members.All.Select(m => m.Partitions()).ToList();
        Assert.All(owned, partitions => Assert.Equal(2, partitions.Count));
        Assert.Equal(Enumerable.Range(0, Partitions), owned.SelectMany(p => p).Order());
    }

    [Fact]
    public async Task A_killed_members_partitions_move_to_the_survivors_within_the_session_timeout_and_no_record_is_missed()
    {
        const string topic = "grp-failover";
        using var channel = await KafkaRequestChannel.ConnectAsync(fixture.Server.KafkaPort, Ct);
        await channel.CreateTopicAsync(topic, Partitions);
        await using var members = new MemberSet();
        for (int i = 0; i < 3; i++)
            members.Add(KcatGroupMember.Start($"failover-{i}", fixture.Bootstrap, topic, topic, "auto.commit.interval.ms=500"));
        await WaitForStableAsync(channel, topic, 3, members);

        using var stopProducing = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        int batches = 0;
        var producing = Task.Run(async () =>
        {
            while (!stopProducing.IsCancellationRequested)
            {
                await ProduceAsync(fixture.Bootstrap, topic, 300, $"live{batches}");
                Interlocked.Increment(ref batches);
            }
        }, CancellationToken.None);

        try
        {
            await Polling.Eventually(() => members.All.All(m => m.Count > 0) || producing.IsCompleted, TimeSpan.FromSeconds(30),
                $"every member should be consuming\n{members.Describe()}");
            Assert.False(producing.IsFaulted, producing.Exception?.ToString());
            var victim = members.All[0];
            var survivors = members.All.Skip(1).ToList();
            int[] marks = [.. survivors.Select(s => s.Count)];
            var sinceKill = Stopwatch.StartNew();
            victim.Kill();

            // The broker notices the silence after the session timeout; the survivors rejoin on their next heartbeat.
            await Polling.Eventually(
                () => survivors.SelectMany((s, i) => s.Partitions(marks[i])).Distinct().Count() == Partitions,
                s_session + TimeSpan.FromSeconds(14),
                $"the survivors should consume all {Partitions} partitions (victim had {string.Join(",", victim.Partitions())})\n{members.Describe()}");
            TimeSpan takeover = sinceKill.Elapsed;
            int batchesAtTakeover = Volatile.Read(ref batches);
            await Polling.Eventually(() => Volatile.Read(ref batches) >= batchesAtTakeover + 3 || producing.IsCompleted, TimeSpan.FromSeconds(30));
            await stopProducing.CancelAsync();
            await producing.WaitAsync(TimeSpan.FromSeconds(60), Ct);

            long[] ends = await channel.EndOffsetsAsync(topic, Partitions);
            var expected = Expected(ends);
            await Polling.Eventually(() => expected.IsSubsetOf(members.All.SelectMany(m => m.Records())), TimeSpan.FromSeconds(30),
                $"the survivors should catch up to {ends.Sum()} records\n{members.Describe()}");
            var consumed = members.All.SelectMany(m => m.Records()).ToList();
            var missing = expected.Except(consumed).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} records never consumed, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.All(consumed, r => Assert.Contains(r, expected));
            // Only what the victim consumed after its last commit comes again; survivors commit what they hand over.
            var victimPartitions = victim.Partitions();
            var repeated = consumed.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(repeated.All(r => victimPartitions.Contains(r.Partition)),
                $"repeats outside the victim's partitions {string.Join(",", victimPartitions)}: {string.Join(", ", repeated.Where(r => !victimPartitions.Contains(r.Partition)).Take(5))}");
            Assert.True(takeover < s_session + TimeSpan.FromSeconds(14), $"takeover took {takeover}");
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"takeover after {takeover.TotalSeconds:F1}s; {consumed.Count - expected.Count} repeats of {expected.Count} records");
        }
        finally
        {
            await stopProducing.CancelAsync();
            await producing.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task Two_groups_on_one_topic_each_receive_every_record()
    {
        const string topic = "grp-two";
        const int count = 20_000;
        await ProduceAsync(fixture.Bootstrap, topic, count, "two");
        using var channel = await KafkaRequestChannel.ConnectAsync(fixture.Server.KafkaPort, Ct);
        long[] ends = await channel.EndOffsetsAsync(topic, Partitions);
        Assert.Equal(count, ends.Sum());
        await using var members = new MemberSet();
        var first = members.Add(KcatGroupMember.Start("two-a", fixture.Bootstrap, "grp-two-a", topic));
        var second = members.Add(KcatGroupMember.Start("two-b", fixture.Bootstrap, "grp-two-b", topic));

        await Polling.Eventually(() => first.Count >= count && second.Count >= count, TimeSpan.FromSeconds(45),
            $"each group should consume {count} records\n{members.Describe()}");
        await members.StopAllAsync();

        var expected = Expected(ends);
        foreach (var member in members.All)
        {
            var records = member.Records();
            Assert.True(records.Count == count, $"{member.Name}: {records.Count} records\n{member.Describe()}");
            Assert.True(records.ToHashSet().SetEquals(expected), $"{member.Name}: every record once");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_a_broker_restart_the_group_resumes_from_its_committed_offsets(bool sigkill)
    {
        await using var server = await ServerProcess.StartAsync(GroupServerFixture.Flags);
        string topic = sigkill ? "grp-restart-kill" : "grp-restart-term";
        const int before = 5_000;
        const int after = 1_000;
        await ProduceAsync(server.BootstrapServers, topic, before, "before");

        await using (var first = KcatGroupMember.Start("restart-1", server.BootstrapServers, topic, topic, "auto.commit.interval.ms=500"))
        {
            Assert.True(await first.Process.WaitForLinesAsync(before, TimeSpan.FromSeconds(45)), first.Describe() + server.Output);
            // SIGTERM: kcat commits what it consumed and leaves the group.
            Assert.True(await first.StopAsync(), first.Describe());
            Assert.Equal(before, first.Records().Distinct().Count());
        }

        if (sigkill)
        {
            server.Kill();
            await server.StartAsync();
        }
        else
        {
            await server.RestartAsync();
        }

        long[] oldEnds;
        using (var channel = await KafkaRequestChannel.ConnectAsync(server.KafkaPort, Ct))
            oldEnds = await channel.EndOffsetsAsync(topic, Partitions);
        Assert.Equal(before, oldEnds.Sum());
        await ProduceAsync(server.BootstrapServers, topic, after, "after");
        long[] ends;
        using (var channel = await KafkaRequestChannel.ConnectAsync(server.KafkaPort, Ct))
            ends = await channel.EndOffsetsAsync(topic, Partitions);
        var fresh = Expected(ends).Where(r => r.Offset >= oldEnds[r.Partition]).ToHashSet();
        Assert.Equal(after, fresh.Count);

        await using var second = KcatGroupMember.Start("restart-2", server.BootstrapServers, topic, topic);
        Assert.True(await second.Process.WaitForLinesAsync(after, TimeSpan.FromSeconds(45)), second.Describe() + server.Output);
        Assert.True(await second.StopAsync(), second.Describe());
        var records = second.Records();
        var old = records.Where(r => !fresh.Contains(r)).ToList();
        Assert.True(old.Count == 0, $"{old.Count} records from before the commit consumed again, e.g. {string.Join(", ", old.Take(5))}");
        Assert.Equal(after, records.Count);
        Assert.True(records.ToHashSet().SetEquals(fresh));
    }

    [Fact]
    public async Task Kafkajs_group_of_two_consumes_a_topic_completely_and_commits_its_end_offsets()
    {
        const string topic = "grp-kafkajs";
        const int count = 3_000;
        await ProduceAsync(fixture.Bootstrap, topic, count, "kafkajs");

        var run = await NodeScript.RunAsync("group-consume.js", [fixture.Bootstrap, topic, topic, count.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(90), Ct);
        Assert.True(run.Succeeded, run.Describe() + fixture.Server.Output);
        using var result = JsonDocument.Parse(LastLine(run.StdOut));
        var root = result.RootElement;

        var ends = root.GetProperty("ends").EnumerateArray()
            .ToDictionary(e => e.GetProperty("partition").GetInt32(), e => e.GetProperty("high").GetInt64());
        Assert.Equal(Enumerable.Range(0, Partitions), ends.Keys.Order());
        Assert.Equal(count, ends.Values.Sum());
        // Per partition: offsets 0..end-1, each once (the script summarises what it received).
        var received = root.GetProperty("received").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, Partitions), received.Select(r => r.GetProperty("partition").GetInt32()).Order());
        foreach (var r in received)
        {
            long end = ends[r.GetProperty("partition").GetInt32()];
            string because = r.ToString();
            Assert.True(r.GetProperty("count").GetInt64() == end, because);
            Assert.True(r.GetProperty("distinct").GetInt64() == end, because);
            Assert.True(r.GetProperty("min").GetInt64() == 0 && r.GetProperty("max").GetInt64() == end - 1, because);
        }

        var committed = root.GetProperty("committed").EnumerateArray()
            .ToDictionary(c => c.GetProperty("partition").GetInt32(), c => c.GetProperty("offset").GetInt64());
        Assert.Equal(ends.OrderBy(e => e.Key), committed.OrderBy(c => c.Key));

        var assignments = root.GetProperty("assignments");
        var a = assignments.GetProperty("member-a").EnumerateArray().Select(p => p.GetInt32()).ToList();
        var b = assignments.GetProperty("member-b").EnumerateArray().Select(p => p.GetInt32()).ToList();
        Assert.NotEmpty(a);
        Assert.NotEmpty(b);
        Assert.Equal(Enumerable.Range(0, Partitions), a.Concat(b).Order());
    }

    [Fact]
    public async Task A_member_offering_only_an_unknown_assignor_is_rejected_with_inconsistent_group_protocol()
    {
        const string topic = "grp-protocol";
        using var channel = await KafkaRequestChannel.ConnectAsync(fixture.Server.KafkaPort, Ct);
        await channel.CreateTopicAsync(topic, Partitions);
        await using var members = new MemberSet();
        for (int i = 0; i < 2; i++)
            members.Add(KcatGroupMember.Start($"range-{i}", fixture.Bootstrap, topic, topic, "partition.assignment.strategy=range"));
        var stable = await WaitForStableAsync(channel, topic, 2, members);
        Assert.Equal("range", stable.ProtocolData);

        // A hand-made member whose only assignor no one else offers: answered at once, not parked in a rebalance.
        using var subscription = new PooledBufferWriter();
        new ConsumerProtocolSubscription { Topics = [topic] }.Write(subscription, 0);
        var join = new JoinGroupRequest
        {
            GroupId = topic,
            SessionTimeoutMs = 10_000,
            RebalanceTimeoutMs = 10_000,
            ProtocolType = "consumer",
            Protocols = [new JoinGroupRequest.Protocol { Name = "sticky-only", Metadata = subscription.WrittenSpan.ToArray() }],
        };
        var sinceJoin = Stopwatch.StartNew();
        var response = await channel.SendAsync<JoinGroupRequest, JoinGroupResponse>(join, 5, TimeSpan.FromSeconds(5));
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, response.ErrorCode);
        Assert.Equal(23, (int)response.ErrorCode);
        Assert.True(sinceJoin.Elapsed < TimeSpan.FromSeconds(5), $"answered after {sinceJoin.Elapsed}");

        // A real client offering only roundrobin hears about it too.
        var odd = members.Add(KcatGroupMember.Start("roundrobin", fixture.Bootstrap, topic, topic, "partition.assignment.strategy=roundrobin"));
        await Polling.Eventually(() => odd.Process.StdErr.Contains("nconsistent", StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(20),
            $"kcat should report the inconsistent group protocol\n{odd.Describe()}");
        Assert.Equal(0, odd.Count);

        var after = await channel.DescribeGroupAsync(topic);
        Assert.Equal("Stable", after.GroupState);
        Assert.Equal(["range-0", "range-1"], after.Members.Select(m => m.ClientId).Order());
        AssertAssignmentsCover(after, topic);
    }

    [Fact]
    public async Task After_a_rebalance_storm_three_members_settle_into_a_stable_group_and_the_broker_stays_responsive()
    {
        const string topic = "grp-storm";
        await ProduceAsync(fixture.Bootstrap, topic, 6_000, "storm");
        using var channel = await KafkaRequestChannel.ConnectAsync(fixture.Server.KafkaPort, Ct);
        await using var members = new MemberSet();
        var random = new Random(4);
        var stops = new List<Task>();
        var live = new List<KcatGroupMember>();
        int started = 0, killed = 0, terminated = 0;
        TimeSpan slowestProbe = TimeSpan.Zero;

        var storm = Stopwatch.StartNew();
        var lastProbe = Stopwatch.StartNew();
        while (storm.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (live.Count < 2 || (live.Count < 5 && random.Next(2) == 0))
            {
                live.Add(members.Add(KcatGroupMember.Start($"storm-{started++}", fixture.Bootstrap, topic, topic)));
            }
            else
            {
                var leaving = live[random.Next(live.Count)];
                live.Remove(leaving);
                if (random.Next(2) == 0)
                {
                    leaving.Kill();
                    killed++;
                }
                else
                {
                    stops.Add(leaving.StopAsync());
                    terminated++;
                }
            }
            if (lastProbe.Elapsed > TimeSpan.FromSeconds(1))
            {
                slowestProbe = TimeSpan.FromTicks(Math.Max(slowestProbe.Ticks, (await ProbeAsync(channel, topic)).Ticks));
                lastProbe.Restart();
            }
            await Task.Delay(random.Next(150, 450), Ct);
        }
        foreach (var member in live)
        {
            if (random.Next(2) == 0)
                member.Kill();
            else
                stops.Add(member.StopAsync());
        }
        await Task.WhenAll(stops).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(fixture.Server.IsRunning, fixture.Server.Output);

        string[] names = ["settled-0", "settled-1", "settled-2"];
        foreach (string name in names)
            members.Add(KcatGroupMember.Start(name, fixture.Bootstrap, topic, topic));
        DescribeGroupsResponse.Group? group = null;
        var settling = Stopwatch.StartNew();
        await Polling.Eventually(async () =>
        {
            group = await channel.DescribeGroupAsync(topic);
            return group.GroupState == "Stable" && group.Members.Select(m => m.ClientId).Order().SequenceEqual(names)
                && group.Members.All(m => !m.MemberAssignment.IsEmpty);
        }, s_session * 2 + s_settle, $"the group should settle with the three new members; last seen {Show(group)}\n{members.Describe()}");
        AssertAssignmentsCover(group!, topic);
        Assert.True(fixture.Server.IsRunning, fixture.Server.Output);
        slowestProbe = TimeSpan.FromTicks(Math.Max(slowestProbe.Ticks, (await ProbeAsync(channel, topic)).Ticks));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"storm: {started} members started, {killed} killed, {terminated} terminated; settled after {settling.Elapsed.TotalSeconds:F1}s; " +
            $"slowest probe {slowestProbe.TotalMilliseconds:F0} ms");
    }

    /// <summary>DescribeGroups answers promptly while the group churns: the broker is alive and its coordinator unblocked.</summary>
    private async Task<TimeSpan> ProbeAsync(KafkaRequestChannel channel, string group)
    {
        Assert.True(fixture.Server.IsRunning, "the broker died\n" + fixture.Server.Output);
        var stopwatch = Stopwatch.StartNew();
        var described = await channel.DescribeGroupAsync(group, TimeSpan.FromSeconds(5));
        Assert.Equal(ErrorCode.None, described.ErrorCode);
        return stopwatch.Elapsed;
    }

    private static async Task<DescribeGroupsResponse.Group> WaitForStableAsync(KafkaRequestChannel channel, string group, int memberCount, MemberSet members)
    {
        DescribeGroupsResponse.Group? last = null;
        await Polling.Eventually(async () =>
        {
            last = await channel.DescribeGroupAsync(group);
            return last.GroupState == "Stable" && last.Members.Count == memberCount && last.Members.All(m => !m.MemberAssignment.IsEmpty);
        }, s_settle, $"group {group} should become Stable with {memberCount} members; last seen {Show(last)}\n{members.Describe()}");
        return last!;
    }

    /// <summary>The members' assignments (consumer protocol) are disjoint and cover every partition of the topic.</summary>
    private static void AssertAssignmentsCover(DescribeGroupsResponse.Group group, string topic)
    {
        Assert.Equal("consumer", group.ProtocolType);
        var assigned = new List<int>();
        foreach (var member in group.Members)
        {
            var assignment = ConsumerProtocolAssignment.Read(member.MemberAssignment);
            foreach (var topicPartitions in assignment.AssignedPartitions)
            {
                Assert.Equal(topic, topicPartitions.Topic);
                assigned.AddRange(topicPartitions.Partitions);
            }
        }
        Assert.Equal(Enumerable.Range(0, Partitions), assigned.Order());
    }

    private static string Show(DescribeGroupsResponse.Group? group) =>
        group is null ? "nothing" : $"{group.GroupState} ({group.ErrorCode}) protocol '{group.ProtocolData}' members [" +
            string.Join(", ", group.Members.Select(m => $"{m.ClientId}:{m.MemberAssignment.Length}B")) + "]";

    /// <summary>Every (partition, offset) below the end offsets.</summary>
    private static HashSet<(int Partition, long Offset)> Expected(long[] ends)
    {
        var expected = new HashSet<(int, long)>();
        for (int p = 0; p < ends.Length; p++)
        {
            for (long o = 0; o < ends[p]; o++)
                expected.Add((p, o));
        }
        return expected;
    }

    /// <summary>Produces keyed records from a file (<c>kcat -P -l</c>); distinct keys hash over every partition, where
    /// unkeyed ones would stick to one partition per linger interval.</summary>
    private static async Task ProduceAsync(string bootstrap, string topic, int count, string prefix)
    {
        string file = Path.Combine(Path.GetTempPath(), $"ingesthub-{topic}-{prefix}-{Guid.NewGuid():N}.txt");
        var lines = new StringBuilder(count * 24);
        for (int i = 0; i < count; i++)
            lines.Append(prefix).Append('-').Append(i.ToString(CultureInfo.InvariantCulture)).Append(":value-").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
        await File.WriteAllTextAsync(file, lines.ToString(), CancellationToken.None);
        try
        {
            var produce = await Kcat.RunAsync(["-P", "-b", bootstrap, "-t", topic, "-K:", "-l", file, "-X", "acks=all"], timeout: TimeSpan.FromSeconds(60));
            Assert.True(produce.Succeeded, produce.Describe());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
        ?? throw new InvalidDataException("script printed nothing");

    /// <summary>The kcat members of one test; all are killed when the test ends, however it ends.</summary>
    private sealed class MemberSet : IAsyncDisposable
    {
        public List<KcatGroupMember> All { get; } = [];

        public KcatGroupMember Add(KcatGroupMember member)
        {
            All.Add(member);
            return member;
        }

        /// <summary>SIGTERM to every member at once, so none is handed another's partitions while it stops.</summary>
        public async Task StopAllAsync()
        {
            bool[] clean = await Task.WhenAll(All.Select(m => m.StopAsync()));
            Assert.True(clean.All(c => c), "every member should exit after SIGTERM\n" + Describe());
        }

        public string Describe() => string.Join("\n", All.Select(m => m.Describe(1500)));

        public async ValueTask DisposeAsync()
        {
            foreach (var member in All)
                await member.DisposeAsync();
        }
    }
}
