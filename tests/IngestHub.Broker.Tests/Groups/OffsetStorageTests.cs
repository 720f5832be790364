using IngestHub.Broker.Groups;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Xunit;
using static IngestHub.Broker.Tests.Groups.GroupTestKit;

namespace IngestHub.Broker.Tests.Groups;

public sealed class OffsetStorageTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private static OffsetCommitRequest Standalone(string group, string topic, int partition, long offset, string? metadata = null)
    {
        var request = new OffsetCommitRequest { GroupId = group, GenerationId = -1, MemberId = "" };
        request.Topics.Add(new OffsetCommitRequest.Topic
        {
            Name = topic,
            Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset, CommittedLeaderEpoch = 3, CommittedMetadata = metadata }],
        });
        return request;
    }

    private static OffsetFetchResponse.Partition? Fetched(GroupCoordinator coordinator, string group, string topic, int partition)
    {
        var response = coordinator.FetchOffsets(new OffsetFetchRequest { GroupId = group, Topics = null });
        return response.Topics.FirstOrDefault(t => t.Name == topic)?.Partitions.FirstOrDefault(p => p.PartitionIndex == partition);
    }

    [Fact]
    public async Task Committed_offset_comes_back_with_its_metadata()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var committed = await coordinator.CommitOffsetsAsync(Standalone("g", "logs", 2, 1234, "host-a"), _ct);
        Assert.Equal(ErrorCode.None, committed.Topics[0].Partitions[0].ErrorCode);

        var fetch = coordinator.FetchOffsets(new OffsetFetchRequest { GroupId = "g", Topics = [new() { Name = "logs", PartitionIndexes = [2, 3] }] });
        var p2 = fetch.Topics[0].Partitions[0];
        Assert.Equal((1234L, 3, "host-a"), (p2.CommittedOffset, p2.CommittedLeaderEpoch, p2.Metadata));
        Assert.Equal(-1, fetch.Topics[0].Partitions[1].CommittedOffset);
        Assert.Equal(1234, Fetched(coordinator, "g", "logs", 2)!.CommittedOffset);
        Assert.Contains(coordinator.ListGroups().Groups, g => g.GroupId == "g");
    }

    [Fact]
    public async Task Commit_to_unknown_partition_or_with_oversized_metadata_is_refused_per_partition()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var unknown = await coordinator.CommitOffsetsAsync(Standalone("g", "nope", 0, 1), _ct);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknown.Topics[0].Partitions[0].ErrorCode);
        var large = await coordinator.CommitOffsetsAsync(Standalone("g", "logs", 0, 1, new string('x', 5000)), _ct);
        Assert.Equal(ErrorCode.OffsetMetadataTooLarge, large.Topics[0].Partitions[0].ErrorCode);
        Assert.Null(Fetched(coordinator, "g", "logs", 0));
    }

    [Fact]
    public async Task Member_commits_need_the_current_generation_and_a_known_member_id()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var (a, _) = await GroupMembershipTests.StableOfTwo(coordinator, "g");
        OffsetCommitRequest Commit(int generation, string member)
        {
            var request = Standalone("g", "logs", 0, 5);
            request.GenerationId = generation;
            request.MemberId = member;
            return request;
        }
        Assert.Equal(ErrorCode.None, (await coordinator.CommitOffsetsAsync(Commit(a.GenerationId, a.MemberId), _ct)).Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.IllegalGeneration, (await coordinator.CommitOffsetsAsync(Commit(a.GenerationId - 1, a.MemberId), _ct)).Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, (await coordinator.CommitOffsetsAsync(Commit(a.GenerationId, "stranger"), _ct)).Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, (await coordinator.CommitOffsetsAsync(Commit(-1, ""), _ct)).Topics[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public async Task Commit_checks_member_and_generation_before_a_rebalance_and_is_accepted_while_one_is_prepared()
    {
        await using var coordinator = Coordinator(TempDir(), Options());
        var (a, b) = await GroupMembershipTests.StableOfTwo(coordinator, "g");
        OffsetCommitRequest Commit(int generation, string member)
        {
            var request = Standalone("g", "logs", 0, 7);
            request.GenerationId = generation;
            request.MemberId = member;
            return request;
        }
        async Task<ErrorCode> CommitError(int generation, string member) =>
            (await coordinator.CommitOffsetsAsync(Commit(generation, member), _ct)).Topics[0].Partitions[0].ErrorCode;

        // a rejoins: the group prepares a rebalance; b, still a member of the current generation, may commit.
        var rejoinA = coordinator.JoinGroupAsync(GroupTestKit.Join("g", a.MemberId), 3, "a", "/h", _ct);
        Assert.Equal(GroupState.PreparingRebalance, coordinator.Describe("g")!.State);
        Assert.Equal(ErrorCode.None, await CommitError(b.GenerationId, b.MemberId));
        Assert.Equal(ErrorCode.IllegalGeneration, await CommitError(b.GenerationId - 1, b.MemberId));

        // b rejoins too: the new generation is formed and waits for the leader's assignment.
        var rejoinB = coordinator.JoinGroupAsync(GroupTestKit.Join("g", b.MemberId), 3, "b", "/h", _ct);
        var a2 = await rejoinA.WaitAsync(TimeSpan.FromSeconds(30), _ct);
        await rejoinB.WaitAsync(TimeSpan.FromSeconds(30), _ct);
        Assert.Equal(GroupState.CompletingRebalance, coordinator.Describe("g")!.State);
        Assert.Equal(ErrorCode.IllegalGeneration, await CommitError(a.GenerationId, a.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, await CommitError(a2.GenerationId, "stranger"));
        Assert.Equal(ErrorCode.RebalanceInProgress, await CommitError(a2.GenerationId, a.MemberId));
    }

    [Fact]
    public async Task Offsets_survive_a_clean_reopen_of_the_coordinator()
    {
        string dir = TempDir();
        await using (var coordinator = Coordinator(dir, Options()))
        {
            await coordinator.CommitOffsetsAsync(Standalone("g", "logs", 0, 10, "m0"), _ct);
            await coordinator.CommitOffsetsAsync(Standalone("g", "logs", 0, 11, "m1"), _ct);
            await coordinator.CommitOffsetsAsync(Standalone("h", "events", 1, 7), _ct);
        }
        await using var reopened = Coordinator(dir, Options());
        Assert.Equal((11L, "m1"), (Fetched(reopened, "g", "logs", 0)!.CommittedOffset, Fetched(reopened, "g", "logs", 0)!.Metadata));
        Assert.Equal(7, Fetched(reopened, "h", "events", 1)!.CommittedOffset);
        Assert.Equal(["g", "h"], reopened.ListGroups().Groups.Select(g => g.GroupId).Order());
    }

    [Fact]
    public async Task Offsets_survive_a_crash_and_a_torn_tail_of_the_log_is_ignored()
    {
        string dir = TempDir();
        await using var running = Coordinator(dir, Options());
        await running.CommitOffsetsAsync(Standalone("g", "logs", 0, 10, "a"), _ct);
        await running.CommitOffsetsAsync(Standalone("g", "logs", 1, 20, "b"), _ct);

        // A copy of the files as a kill -9 leaves them, with the last record cut short.
        string crashed = TempDir();
        string log = Path.Combine(dir, "__consumer_offsets", "offsets.log");
        var bytes = File.ReadAllBytes(log);
        Directory.CreateDirectory(Path.Combine(crashed, "__consumer_offsets"));
        string crashedLog = Path.Combine(crashed, "__consumer_offsets", "offsets.log");
        File.WriteAllBytes(crashedLog, bytes[..^5]);

        await using (var recovered = Coordinator(crashed, Options()))
        {
            Assert.Equal((10L, "a"), (Fetched(recovered, "g", "logs", 0)!.CommittedOffset, Fetched(recovered, "g", "logs", 0)!.Metadata));
            Assert.Null(Fetched(recovered, "g", "logs", 1));
            await recovered.CommitOffsetsAsync(Standalone("g", "logs", 2, 30), _ct);
            File.Copy(crashedLog, crashedLog + ".copy");
        }
        // Appends after recovery follow the last good record, so a later crash replays them too.
        File.Delete(Path.Combine(crashed, "__consumer_offsets", "offsets.snapshot"));
        File.Move(crashedLog + ".copy", crashedLog, overwrite: true);
        await using var again = Coordinator(crashed, Options());
        Assert.Equal(10, Fetched(again, "g", "logs", 0)!.CommittedOffset);
        Assert.Equal(30, Fetched(again, "g", "logs", 2)!.CommittedOffset);
    }

    [Fact]
    public async Task Offsets_of_a_group_empty_longer_than_the_retention_expire_and_the_group_goes()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        await using var coordinator = Coordinator(TempDir(), Options(retentionMinutes: 1), clock);
        await coordinator.CommitOffsetsAsync(Standalone("g", "logs", 0, 10), _ct);
        var (a, b) = await GroupMembershipTests.StableOfTwo(coordinator, "members");
        var commit = Standalone("members", "logs", 1, 5);
        commit.GenerationId = a.GenerationId;
        commit.MemberId = a.MemberId;
        await coordinator.CommitOffsetsAsync(commit, _ct);

        clock.Advance(TimeSpan.FromSeconds(59));
        coordinator.Tick();
        Assert.NotNull(Fetched(coordinator, "g", "logs", 0));
        clock.Advance(TimeSpan.FromSeconds(2));
        coordinator.Heartbeat(GroupTestKit.Heartbeat("members", a));
        coordinator.Heartbeat(GroupTestKit.Heartbeat("members", b));
        coordinator.Tick();
        Assert.Null(Fetched(coordinator, "g", "logs", 0));
        Assert.DoesNotContain(coordinator.ListGroups().Groups, g => g.GroupId == "g");
        // A group with members keeps its offsets however old they are.
        Assert.NotNull(Fetched(coordinator, "members", "logs", 1));

        coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "members", MemberId = a.MemberId }, 0);
        coordinator.LeaveGroup(new LeaveGroupRequest { GroupId = "members", MemberId = b.MemberId }, 0);
        clock.Advance(TimeSpan.FromSeconds(30));
        coordinator.Tick();
        Assert.NotNull(Fetched(coordinator, "members", "logs", 1));
        clock.Advance(TimeSpan.FromSeconds(31));
        coordinator.Tick();
        Assert.Null(Fetched(coordinator, "members", "logs", 1));
        Assert.Null(coordinator.Describe("members"));
    }
}
