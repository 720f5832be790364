using IngestHub.Broker.Groups;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Xunit;
using static IngestHub.Broker.Tests.Groups.GroupTestKit;

namespace IngestHub.Broker.Tests.Groups;

public sealed class GroupMembershipTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_members_share_a_generation_then_a_third_join_forces_a_new_one()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        await using var coordinator = Coordinator(TempDir(), Options(initialDelayMs: 3000), clock);

        var joinA = coordinator.JoinGroupAsync(Join("g"), 3, "a", "/127.0.0.1", _ct);
        var joinB = coordinator.JoinGroupAsync(Join("g"), 3, "b", "/127.0.0.2", _ct);
        // The initial delay holds the first rebalance; B's arrival extends it once more.
        clock.Advance(TimeSpan.FromMilliseconds(3000));
        coordinator.Tick();
        Assert.False(joinA.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(3000));
        coordinator.Tick();
        var a = await joinA.WaitAsync(Wait, _ct);
        var b = await joinB.WaitAsync(Wait, _ct);

        Assert.Equal(ErrorCode.None, a.ErrorCode);
        Assert.Equal(ErrorCode.None, b.ErrorCode);
        Assert.Equal(1, a.GenerationId);
        Assert.Equal(1, b.GenerationId);
        Assert.Equal("range", a.ProtocolName);
        Assert.StartsWith("a-", a.MemberId);
        Assert.Equal(a.MemberId, a.Leader);
        Assert.Equal(a.MemberId, b.Leader);
        Assert.Equal([a.MemberId, b.MemberId], a.Members.Select(m => m.MemberId));
        Assert.Empty(b.Members);

        var syncB = coordinator.SyncGroupAsync(Sync("g", b), _ct);
        Assert.False(syncB.IsCompleted);
        var syncA = await coordinator.SyncGroupAsync(Sync("g", a, (a.MemberId, [10]), (b.MemberId, [20])), _ct);
        Assert.Equal([10], syncA.Assignment.ToArray());
        Assert.Equal([20], (await syncB.WaitAsync(Wait, _ct)).Assignment.ToArray());
        Assert.Equal(ErrorCode.None, coordinator.Heartbeat(Heartbeat("g", a)).ErrorCode);
        Assert.Equal(ErrorCode.None, coordinator.Heartbeat(Heartbeat("g", b)).ErrorCode);
        Assert.Equal(GroupState.Stable, coordinator.Describe("g")!.State);

        var joinC = coordinator.JoinGroupAsync(Join("g"), 3, "c", "/127.0.0.3", _ct);
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat(Heartbeat("g", a)).ErrorCode);
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat(Heartbeat("g", b)).ErrorCode);
        var rejoinA = coordinator.JoinGroupAsync(Join("g", a.MemberId), 3, "a", "/127.0.0.1", _ct);
        Assert.False(rejoinA.IsCompleted);
        var rejoinB = coordinator.JoinGroupAsync(Join("g", b.MemberId), 3, "b", "/127.0.0.2", _ct);
        var a2 = await rejoinA.WaitAsync(Wait, _ct);
        var b2 = await rejoinB.WaitAsync(Wait, _ct);
        var c2 = await joinC.WaitAsync(Wait, _ct);
        Assert.All(new[] { a2, b2, c2 }, r => Assert.Equal(2, r.GenerationId));
        Assert.Equal(a.MemberId, a2.Leader);
        Assert.Equal(3, a2.Members.Count);
        Assert.Equal(ErrorCode.IllegalGeneration, (await coordinator.SyncGroupAsync(Sync("g", b), _ct)).ErrorCode);
    }

    [Fact]
    public async Task Group_expecting_its_members_completes_its_first_rebalance_once_they_joined_without_the_initial_delay()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        await using var coordinator = Coordinator(TempDir(), Options(initialDelayMs: 3000), clock);
        coordinator.ExpectMembers("connector", 2);

        // v4: each member first gets MEMBER_ID_REQUIRED, then joins with its id.
        var idA = await coordinator.JoinGroupAsync(Join("connector"), 4, "w0", "/127.0.0.1", _ct);
        var idB = await coordinator.JoinGroupAsync(Join("connector"), 4, "w1", "/127.0.0.1", _ct);
        Assert.Equal(ErrorCode.MemberIdRequired, idA.ErrorCode);
        var joinA = coordinator.JoinGroupAsync(Join("connector", idA.MemberId), 4, "w0", "/127.0.0.1", _ct);
        coordinator.Tick();
        Assert.False(joinA.IsCompleted); // one of two: still waiting (the clock has not moved)
        var joinB = coordinator.JoinGroupAsync(Join("connector", idB.MemberId), 4, "w1", "/127.0.0.1", _ct);
        var a = await joinA.WaitAsync(Wait, _ct);
        var b = await joinB.WaitAsync(Wait, _ct);
        Assert.Equal(ErrorCode.None, a.ErrorCode);
        Assert.Equal(1, a.GenerationId);
        Assert.Equal(1, b.GenerationId);
        Assert.Equal(2, a.Members.Count);

        // Another group (an outside client) still waits out the delay.
        var outside = coordinator.JoinGroupAsync(Join("other"), 3, "x", "/127.0.0.2", _ct);
        coordinator.Tick();
        Assert.False(outside.IsCompleted);
        coordinator.ForgetMembers("connector");
        clock.Advance(TimeSpan.FromMilliseconds(3000));
        coordinator.Tick();
        Assert.Equal(ErrorCode.None, (await outside.WaitAsync(Wait, _ct)).ErrorCode);
    }

    [Fact]
    public async Task Group_expecting_its_members_waits_past_the_initial_delay_for_a_late_one_but_not_forever()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        await using var coordinator = Coordinator(TempDir(), Options(initialDelayMs: 3000), clock);
        coordinator.ExpectMembers("connector", 2);
        var idA = await coordinator.JoinGroupAsync(Join("connector", rebalanceMs: 60_000), 4, "w0", "/127.0.0.1", _ct);
        var joinA = coordinator.JoinGroupAsync(Join("connector", idA.MemberId, rebalanceMs: 60_000), 4, "w0", "/127.0.0.1", _ct);

        // The second worker is slow to start: 7 s, more than two initial delays.
        for (int i = 0; i < 7; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            coordinator.Tick();
        }
        Assert.False(joinA.IsCompleted);
        var idB = await coordinator.JoinGroupAsync(Join("connector", rebalanceMs: 60_000), 4, "w1", "/127.0.0.1", _ct);
        var b = await coordinator.JoinGroupAsync(Join("connector", idB.MemberId, rebalanceMs: 60_000), 4, "w1", "/127.0.0.1", _ct).WaitAsync(Wait, _ct);
        var a = await joinA.WaitAsync(Wait, _ct);
        Assert.Equal((1, 1, 2), (a.GenerationId, b.GenerationId, a.Members.Count)); // one generation with both

        // A worker that never comes holds the group for a bounded time only.
        coordinator.ExpectMembers("late", 2);
        var idC = await coordinator.JoinGroupAsync(Join("late", rebalanceMs: 60_000), 4, "w0", "/127.0.0.1", _ct);
        var joinC = coordinator.JoinGroupAsync(Join("late", idC.MemberId, rebalanceMs: 60_000), 4, "w0", "/127.0.0.1", _ct);
        clock.Advance(TimeSpan.FromMilliseconds(GroupCoordinator.ExpectedMembersMaxWaitMs - 3000));
        coordinator.Tick();
        Assert.False(joinC.IsCompleted);
        for (int i = 0; i < 4 && !joinC.IsCompleted; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            coordinator.Tick();
        }
        var c = await joinC.WaitAsync(Wait, _ct);
        Assert.Equal((ErrorCode.None, 1), (c.ErrorCode, c.Members.Count));
    }

    [Fact]
    public async Task Group_expecting_its_members_waits_for_them_when_the_initial_delay_is_off()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        await using var coordinator = Coordinator(TempDir(), Options(initialDelayMs: 0), clock);
        coordinator.ExpectMembers("connector", 2);
        var idA = await coordinator.JoinGroupAsync(Join("connector", rebalanceMs: 60_000), 4, "w0", "/127.0.0.1", _ct);
        var joinA = coordinator.JoinGroupAsync(Join("connector", idA.MemberId, rebalanceMs: 60_000), 4, "w0", "/127.0.0.1", _ct);
        clock.Advance(TimeSpan.FromSeconds(2));
        coordinator.Tick();
        Assert.False(joinA.IsCompleted); // a generation of one would be revoked as soon as the second arrives
        var idB = await coordinator.JoinGroupAsync(Join("connector", rebalanceMs: 60_000), 4, "w1", "/127.0.0.1", _ct);
        var b = await coordinator.JoinGroupAsync(Join("connector", idB.MemberId, rebalanceMs: 60_000), 4, "w1", "/127.0.0.1", _ct).WaitAsync(Wait, _ct);
        var a = await joinA.WaitAsync(Wait, _ct);
        Assert.Equal((1, 1, 2), (a.GenerationId, b.GenerationId, a.Members.Count));

        // Without expected members a group with the delay off completes with its first member at once.
        var idX = await coordinator.JoinGroupAsync(Join("other"), 4, "x", "/127.0.0.2", _ct);
        var x = await coordinator.JoinGroupAsync(Join("other", idX.MemberId), 4, "x", "/127.0.0.2", _ct).WaitAsync(Wait, _ct);
        Assert.Equal((ErrorCode.None, 1), (x.ErrorCode, x.Members.Count));
    }

    [Fact]
    public async Task Silent_member_is_removed_after_its_session_timeout_and_the_group_rebalances()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        await using var coordinator = Coordinator(TempDir(), Options(), clock);
        var (a, b) = await StableOfTwo(coordinator, "g", sessionMs: 10_000);

        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(ErrorCode.None, coordinator.Heartbeat(Heartbeat("g", a)).ErrorCode);
        coordinator.Tick();
        Assert.Equal(2, coordinator.Describe("g")!.Members.Count);
        clock.Advance(TimeSpan.FromSeconds(6));
        coordinator.Tick();

        var view = coordinator.Describe("g")!;
        Assert.Equal(GroupState.PreparingRebalance, view.State);
        Assert.Equal([a.MemberId], view.Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.Heartbeat(Heartbeat("g", b)).ErrorCode);
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat(Heartbeat("g", a)).ErrorCode);
        var a2 = await coordinator.JoinGroupAsync(Join("g", a.MemberId), 3, "a", "/h", _ct).WaitAsync(Wait, _ct);
        Assert.Equal(a.GenerationId + 1, a2.GenerationId);
        Assert.Single(a2.Members);
    }

    [Fact]
    public async Task Member_that_never_rejoins_is_dropped_when_the_rebalance_timeout_elapses()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        await using var coordinator = Coordinator(TempDir(), Options(), clock);
        var (a, b) = await StableOfTwo(coordinator, "g", sessionMs: 30_000, rebalanceMs: 5_000);

        var rejoinA = coordinator.JoinGroupAsync(Join("g", a.MemberId, sessionMs: 30_000, rebalanceMs: 5_000), 3, "a", "/h", _ct);
        clock.Advance(TimeSpan.FromSeconds(4));
        coordinator.Tick();
        Assert.False(rejoinA.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        coordinator.Tick();
        var a2 = await rejoinA.WaitAsync(Wait, _ct);
        Assert.Equal(a.GenerationId + 1, a2.GenerationId);
        Assert.Equal([a.MemberId], a2.Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.Heartbeat(Heartbeat("g", b)).ErrorCode);
    }

    [Fact]
    public async Task Join_v4_with_empty_member_id_gets_MEMBER_ID_REQUIRED_and_a_new_id_to_rejoin_with()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var first = await coordinator.JoinGroupAsync(Join("g"), 4, "rdkafka", "/h", _ct).WaitAsync(Wait, _ct);
        Assert.Equal(ErrorCode.MemberIdRequired, first.ErrorCode);
        Assert.StartsWith("rdkafka-", first.MemberId);
        Assert.Equal(GroupState.Empty, coordinator.Describe("g")!.State);

        var second = await coordinator.JoinGroupAsync(Join("g", first.MemberId), 4, "rdkafka", "/h", _ct).WaitAsync(Wait, _ct);
        Assert.Equal(ErrorCode.None, second.ErrorCode);
        Assert.Equal(first.MemberId, second.MemberId);
        Assert.Equal(1, second.GenerationId);

        var old = await coordinator.JoinGroupAsync(Join("other"), 3, "old", "/h", _ct).WaitAsync(Wait, _ct);
        Assert.Equal(ErrorCode.None, old.ErrorCode);
    }

    [Fact]
    public async Task Member_without_a_common_assignor_gets_INCONSISTENT_GROUP_PROTOCOL_at_once()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        await StableOfTwo(coordinator, "g");

        var other = coordinator.JoinGroupAsync(Join("g", assignor: "roundrobin"), 3, "c", "/h", _ct);
        Assert.True(other.IsCompleted);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (await other).ErrorCode);
        var wrongType = coordinator.JoinGroupAsync(Join("g", protocolType: "connect"), 3, "c", "/h", _ct);
        Assert.True(wrongType.IsCompleted);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (await wrongType).ErrorCode);
        Assert.Equal(GroupState.Stable, coordinator.Describe("g")!.State);
    }

    [Fact]
    public async Task Protocol_is_chosen_by_votes_among_assignors_every_member_supports()
    {
        await using var coordinator = Coordinator(TempDir(), Options(initialDelayMs: 100));
        coordinator.Start();
        JoinGroupRequest Prefs(params string[] names)
        {
            var request = Join("g");
            request.Protocols = [.. names.Select(n => new JoinGroupRequest.Protocol { Name = n, Metadata = new byte[] { 1 } })];
            return request;
        }
        var a = coordinator.JoinGroupAsync(Prefs("cooperative", "range", "roundrobin"), 3, "a", "/h", _ct);
        var b = coordinator.JoinGroupAsync(Prefs("roundrobin", "range"), 3, "b", "/h", _ct);
        var c = coordinator.JoinGroupAsync(Prefs("roundrobin", "range", "cooperative"), 3, "c", "/h", _ct);
        var results = await Task.WhenAll(a, b, c).WaitAsync(Wait, _ct);
        Assert.All(results, r => Assert.Equal("roundrobin", r.ProtocolName));
    }

    [Fact]
    public async Task Invalid_session_timeout_and_unknown_member_are_refused()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var tooShort = await coordinator.JoinGroupAsync(Join("g", sessionMs: 1), 3, "a", "/h", _ct);
        Assert.Equal(ErrorCode.InvalidSessionTimeout, tooShort.ErrorCode);
        var unknown = await coordinator.JoinGroupAsync(Join("g", "ghost-1"), 3, "a", "/h", _ct);
        Assert.Equal(ErrorCode.UnknownMemberId, unknown.ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.Heartbeat(new HeartbeatRequest { GroupId = "g", MemberId = "ghost-1", GenerationId = 1 }).ErrorCode);
    }

    [Fact]
    public async Task Leaving_member_triggers_a_rebalance_and_the_last_one_leaves_the_group_empty()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var (a, b) = await StableOfTwo(coordinator, "g");
        var leave = coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "g", MemberId = b.MemberId }, 1);
        Assert.Equal(ErrorCode.None, leave.ErrorCode);
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat(Heartbeat("g", a)).ErrorCode);
        var leaveA = coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "g", Members = [new LeaveGroupRequest.Member { MemberId = a.MemberId }] }, 3);
        Assert.Equal(ErrorCode.None, leaveA.Members[0].ErrorCode);
        Assert.Equal(GroupState.Empty, coordinator.Describe("g")!.State);
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "g", MemberId = a.MemberId }, 0).ErrorCode);
    }

    [Fact]
    public async Task Static_member_rejoining_with_its_instance_id_replaces_its_member_id_without_a_rebalance()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var a = await coordinator.JoinGroupAsync(Join("g", instanceId: "worker-1"), 5, "a", "/h", _ct);
        Assert.Equal(ErrorCode.None, a.ErrorCode);
        await coordinator.SyncGroupAsync(Sync("g", a, (a.MemberId, [7])), _ct);
        var again = await coordinator.JoinGroupAsync(Join("g", instanceId: "worker-1"), 5, "a", "/h", _ct).WaitAsync(Wait, _ct);
        Assert.Equal(ErrorCode.None, again.ErrorCode);
        Assert.NotEqual(a.MemberId, again.MemberId);
        Assert.Equal(a.GenerationId, again.GenerationId);
        Assert.Equal(GroupState.Stable, coordinator.Describe("g")!.State);
        var fenced = new HeartbeatRequest { GroupId = "g", MemberId = a.MemberId, GenerationId = a.GenerationId, GroupInstanceId = "worker-1" };
        Assert.Equal(ErrorCode.FencedInstanceId, coordinator.Heartbeat(fenced).ErrorCode);
        var sync = await coordinator.SyncGroupAsync(Sync("g", again), _ct);
        Assert.Equal([7], sync.Assignment.ToArray());
    }

    [Fact]
    public async Task Describe_decodes_consumer_assignments_and_reports_lag()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var a = await coordinator.JoinGroupAsync(Join("g"), 3, "app", "/10.0.0.1", _ct);
        var assignment = new IngestHub.Protocol.Messages.ConsumerProtocol.ConsumerProtocolAssignment
        {
            AssignedPartitions = [new() { Topic = "logs", Partitions = [0, 1] }],
        };
        using var bytes = new IngestHub.Protocol.Primitives.PooledBufferWriter();
        assignment.Write(bytes, 0);
        await coordinator.SyncGroupAsync(Sync("g", a, (a.MemberId, bytes.WrittenSpan.ToArray())), _ct);
        var commit = new OffsetCommitRequest { GroupId = "g", GenerationId = a.GenerationId, MemberId = a.MemberId };
        commit.Topics.Add(new OffsetCommitRequest.Topic { Name = "logs", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 40 }] });
        await coordinator.CommitOffsetsAsync(commit, _ct);

        var view = coordinator.Describe("g")!;
        Assert.Equal(GroupState.Stable, view.State);
        var member = Assert.Single(view.Members);
        Assert.Equal("/10.0.0.1", member.ClientHost);
        Assert.Equal([new GroupPartition("logs", 0), new GroupPartition("logs", 1)], member.AssignedPartitions);
        Assert.Equal(2, view.Partitions.Count);
        Assert.Equal((40L, 60L), (view.Partitions[0].CommittedOffset, view.Partitions[0].Lag!.Value));
        Assert.Equal((-1L, 100L), (view.Partitions[1].CommittedOffset, view.Partitions[1].Lag!.Value));
        Assert.Single(coordinator.DescribeAll());
        var described = coordinator.DescribeGroups(new DescribeGroupsRequest { Groups = ["g", "nope"] });
        Assert.Equal("Stable", described.Groups[0].GroupState);
        Assert.Equal("Dead", described.Groups[1].GroupState);
    }

    internal static async Task<(JoinGroupResponse A, JoinGroupResponse B)> StableOfTwo(GroupCoordinator coordinator, string group, int sessionMs = 10_000, int rebalanceMs = 10_000)
    {
        var ct = TestContext.Current.CancellationToken;
        var a1 = await coordinator.JoinGroupAsync(Join(group, sessionMs: sessionMs, rebalanceMs: rebalanceMs), 3, "a", "/h", ct).WaitAsync(Wait, ct);
        var joinB = coordinator.JoinGroupAsync(Join(group, sessionMs: sessionMs, rebalanceMs: rebalanceMs), 3, "b", "/h", ct);
        var a = await coordinator.JoinGroupAsync(Join(group, a1.MemberId, sessionMs: sessionMs, rebalanceMs: rebalanceMs), 3, "a", "/h", ct).WaitAsync(Wait, ct);
        var b = await joinB.WaitAsync(Wait, ct);
        var syncB = coordinator.SyncGroupAsync(Sync(group, b), ct);
        await coordinator.SyncGroupAsync(Sync(group, a, (a.MemberId, [1]), (b.MemberId, [2])), ct);
        await syncB.WaitAsync(Wait, ct);
        return (a, b);
    }
}
