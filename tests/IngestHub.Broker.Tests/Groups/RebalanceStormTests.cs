using System.Collections.Concurrent;
using IngestHub.Broker.Groups;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Xunit;
using static IngestHub.Broker.Tests.Groups.GroupTestKit;

namespace IngestHub.Broker.Tests.Groups;

public sealed class RebalanceStormTests
{
    private const int Partitions = 12;

    [Fact]
    public async Task Storm_of_joins_and_leaves_settles_stable_and_never_hands_out_another_generations_assignment()
    {
        await using var coordinator = Coordinator(TempDir(), Options(initialDelayMs: 30));
        coordinator.Start();
        var leaderAssignments = new ConcurrentDictionary<int, (string Leader, Dictionary<string, byte[]> Assignment)>();
        var received = new ConcurrentBag<(int Generation, string Member, byte[] Assignment)>();
        var lastGeneration = new ConcurrentDictionary<int, int>();
        using var settle = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stormEnds = DateTime.UtcNow.AddSeconds(3);
        const int survivors = 3;

        async Task Member(int id)
        {
            var random = new Random(id);
            bool survivor = id < survivors;
            string memberId = "";
            while (!settle.IsCancellationRequested)
            {
                bool storm = DateTime.UtcNow < stormEnds;
                if (!survivor && !storm)
                    return;
                var join = await coordinator.JoinGroupAsync(Join("storm", memberId, protocolType: "test", sessionMs: 600, rebalanceMs: 600), 5, "m" + id, "/h", settle.Token);
                if (join.ErrorCode == ErrorCode.MemberIdRequired)
                {
                    memberId = join.MemberId;
                    continue;
                }
                if (join.ErrorCode != ErrorCode.None)
                {
                    if (join.ErrorCode == ErrorCode.UnknownMemberId)
                        memberId = "";
                    continue;
                }
                memberId = join.MemberId;
                var sync = new SyncGroupRequest { GroupId = "storm", GenerationId = join.GenerationId, MemberId = memberId };
                if (join.Leader == memberId)
                {
                    var plan = new Dictionary<string, byte[]>();
                    for (int m = 0; m < join.Members.Count; m++)
                    {
                        var mine = new List<byte>();
                        for (int p = m; p < Partitions; p += join.Members.Count)
                            mine.Add((byte)p);
                        plan[join.Members[m].MemberId] = [.. mine];
                        sync.Assignments.Add(new SyncGroupRequest.Assignment { MemberId = join.Members[m].MemberId, Bytes = plan[join.Members[m].MemberId] });
                    }
                    Assert.True(leaderAssignments.TryAdd(join.GenerationId, (memberId, plan)), $"two leaders assigned generation {join.GenerationId}");
                }
                var synced = await coordinator.SyncGroupAsync(sync, settle.Token);
                if (synced.ErrorCode != ErrorCode.None)
                    continue;
                received.Add((join.GenerationId, memberId, synced.Assignment.ToArray()));
                lastGeneration[id] = join.GenerationId;
                while (!settle.IsCancellationRequested)
                {
                    await Task.Delay(random.Next(20, 80), settle.Token);
                    storm = DateTime.UtcNow < stormEnds;
                    if (storm && random.NextDouble() < 0.08)
                    {
                        coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "storm", MemberId = memberId }, 1);
                        memberId = "";
                        break;
                    }
                    if (storm && random.NextDouble() < 0.03)
                    {
                        // Go silent past the session timeout: the coordinator must evict this member.
                        await Task.Delay(800, settle.Token);
                    }
                    if (!survivor && !storm)
                    {
                        coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "storm", MemberId = memberId }, 1);
                        return;
                    }
                    var beat = coordinator.Heartbeat(new HeartbeatRequest { GroupId = "storm", GenerationId = join.GenerationId, MemberId = memberId });
                    if (beat.ErrorCode != ErrorCode.None)
                    {
                        if (beat.ErrorCode == ErrorCode.UnknownMemberId)
                            memberId = "";
                        break;
                    }
                }
            }
        }

        var members = Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            try
            {
                await Member(i);
            }
            catch (OperationCanceledException) when (settle.IsCancellationRequested)
            {
            }
        })).ToArray();

        await Eventually(() =>
        {
            if (DateTime.UtcNow < stormEnds.AddMilliseconds(200))
                return false;
            var view = coordinator.Describe("storm");
            return view is { State: GroupState.Stable, Members.Count: survivors }
                && Enumerable.Range(0, survivors).All(i => lastGeneration.TryGetValue(i, out int g) && g == view.GenerationId);
        }, TimeSpan.FromSeconds(20));
        await settle.CancelAsync();
        await Task.WhenAll(members).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(leaderAssignments.Count > 3, "the storm should have produced several generations");
        foreach (var (generation, member, assignment) in received)
        {
            Assert.True(leaderAssignments.TryGetValue(generation, out var plan), $"generation {generation} handed out without a leader assignment");
            Assert.Equal(plan.Assignment.GetValueOrDefault(member, []), assignment);
        }
        foreach (var byGeneration in received.GroupBy(r => r.Generation))
        {
            var partitions = byGeneration.SelectMany(r => r.Assignment).ToList();
            Assert.Equal(partitions.Count, partitions.Distinct().Count());
            Assert.Equal(byGeneration.Count(), byGeneration.Select(r => r.Member).Distinct().Count());
        }
    }
}
