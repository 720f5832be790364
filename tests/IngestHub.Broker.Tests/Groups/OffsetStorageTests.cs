using IngestHub.Broker.Groups;
using IngestHub.Broker.Groups.OffsetsTopic;
using IngestHub.Protocol;
using IngestHub.Protocol.Primitives;
using IngestHub.Protocol.Records;
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

    /// <summary>Kafka answers an offset write the log refuses (KAFKA_STORAGE_ERROR) with NOT_COORDINATOR: here the
    /// data directory is a small tmpfs that is filled up for real.</summary>
    [Fact]
    public async Task A_commit_a_full_disk_refuses_is_answered_NOT_COORDINATOR_and_not_applied()
    {
        string dir = TempDir();
        using var mount = IngestHub.Testing.TmpfsMount.TryMount(dir, 32 << 20, out string reason);
        if (mount is null)
        {
            Assert.Skip(reason);
            return;
        }
        await using var coordinator = Coordinator(dir, Options());
        Assert.Equal(ErrorCode.None, (await coordinator.CommitOffsetsAsync(Standalone("g", "logs", 0, 1), _ct)).Topics[0].Partitions[0].ErrorCode);
        mount.Fill();
        var refused = ErrorCode.None;
        long lastAccepted = 1;
        for (long offset = 2; offset < 100_000 && refused == ErrorCode.None; offset++)
        {
            refused = (await coordinator.CommitOffsetsAsync(Standalone("g", "logs", 0, offset, new string('m', 2000)), _ct)).Topics[0].Partitions[0].ErrorCode;
            if (refused == ErrorCode.None)
                lastAccepted = offset;
        }
        Assert.Equal(ErrorCode.NotCoordinator, refused);
        Assert.Equal(lastAccepted, Fetched(coordinator, "g", "logs", 0)!.CommittedOffset);
        mount.Free();
        Assert.Equal(ErrorCode.None, (await coordinator.CommitOffsetsAsync(Standalone("g", "logs", 0, 200_000), _ct)).Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(200_000, Fetched(coordinator, "g", "logs", 0)!.CommittedOffset);
        await coordinator.StopAsync();
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

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        foreach (string sub in Directory.GetDirectories(from))
            CopyDirectory(sub, Path.Combine(to, Path.GetFileName(sub)));
    }

    private static string OffsetsPartitionDir(string dataDir, string group, int partitions = OffsetsPartitions) =>
        Path.Combine(dataDir, "__consumer_offsets-" + OffsetsTopicFormat.PartitionFor(group, partitions));

    [Fact]
    public async Task Offsets_survive_a_crash_and_a_torn_tail_of_the_offsets_topic_is_cut()
    {
        string dir = TempDir();
        await using var running = Coordinator(dir, Options());
        await running.CommitOffsetsAsync(Standalone("g", "logs", 0, 10, "a"), _ct);
        await running.CommitOffsetsAsync(Standalone("g", "logs", 1, 20, "b"), _ct);

        // A copy of the files as a kill -9 leaves them (no clean-shutdown marker), the last batch cut short.
        string crashed = TempDir();
        CopyDirectory(dir, crashed);
        string segment = Path.Combine(OffsetsPartitionDir(crashed, "g"), "00000000000000000000.log");
        var bytes = File.ReadAllBytes(segment);
        File.WriteAllBytes(segment, bytes[..^5]);

        await using (var recovered = Coordinator(crashed, Options()))
        {
            Assert.Equal((10L, "a"), (Fetched(recovered, "g", "logs", 0)!.CommittedOffset, Fetched(recovered, "g", "logs", 0)!.Metadata));
            Assert.Null(Fetched(recovered, "g", "logs", 1));
            await recovered.CommitOffsetsAsync(Standalone("g", "logs", 2, 30), _ct);
        }
        // Appends after recovery follow the last good batch, so a later start reads them too.
        await using var again = Coordinator(crashed, Options());
        Assert.Equal(10, Fetched(again, "g", "logs", 0)!.CommittedOffset);
        Assert.Null(Fetched(again, "g", "logs", 1));
        Assert.Equal(30, Fetched(again, "g", "logs", 2)!.CommittedOffset);
    }

    [Fact]
    public async Task Commits_are_records_of_the_groups_partition_of_the_offsets_topic_in_Kafkas_format()
    {
        string dir = TempDir();
        await using (var coordinator = Coordinator(dir, Options(offsetsPartitions: 50)))
        {
            Assert.False(Directory.Exists(Path.Combine(dir, "__consumer_offsets-0")), "the topic is created at the first write");
            await coordinator.CommitOffsetsAsync(Standalone("billing", "logs", 3, 42, "m"), _ct);
            coordinator.DeleteOffsets(new OffsetDeleteRequest { GroupId = "billing", Topics = [new() { Name = "logs", Partitions = [new() { PartitionIndex = 3 }] }] });
        }
        var topics = Directory.GetDirectories(dir).Select(Path.GetFileName).Where(n => n!.StartsWith("__consumer_offsets-", StringComparison.Ordinal)).ToList();
        Assert.Equal(50, topics.Count);
        var records = RecordBatchDecoder.DecodeAll(File.ReadAllBytes(Path.Combine(OffsetsPartitionDir(dir, "billing", 50), "00000000000000000000.log")));
        var keys = records.Select(r => OffsetsTopicFormat.DecodeKey(r.Key)).ToList();
        Assert.Equal([new OffsetCommitKey("billing", "logs", 3), new OffsetCommitKey("billing", "logs", 3)], keys);
        var value = OffsetsTopicFormat.DecodeOffsetValue(records[0].Value);
        Assert.Equal((42L, 3, "m"), (value.Offset, value.LeaderEpoch, value.Metadata));
        Assert.Null(records[1].Value); // OffsetDelete wrote a tombstone
        Assert.True(Directory.Exists(Path.Combine(dir, "__consumer_offsets-9"))); // abs("billing".hashCode() = -109829509) % 50
    }

    [Fact]
    public async Task A_groups_metadata_record_is_written_on_rebalance_and_the_group_comes_back_Stable_with_its_members()
    {
        string dir = TempDir();
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        JoinGroupResponse a, b;
        await using (var coordinator = Coordinator(dir, Options(), clock))
        {
            (a, b) = await GroupMembershipTests.StableOfTwo(coordinator, "members");
            var records = RecordBatchDecoder.DecodeAll(File.ReadAllBytes(Path.Combine(OffsetsPartitionDir(dir, "members"), "00000000000000000000.log")));
            var stored = records.Where(r => OffsetsTopicFormat.DecodeKey(r.Key) is "members").Select(r => OffsetsTopicFormat.DecodeGroupValue(r.Value)).Last();
            Assert.Equal((a.GenerationId, "consumer", a.MemberId), (stored.Generation, stored.ProtocolType, stored.Leader));
            Assert.Equal([a.MemberId, b.MemberId], stored.Members.Select(m => m.MemberId).Order());
        }

        // Loaded as Kafka loads it: Stable in the same generation, every member with its assignment.
        clock.Advance(TimeSpan.FromMinutes(5));
        await using var reopened = Coordinator(dir, Options(), clock);
        var view = reopened.Describe("members")!;
        Assert.Equal((GroupState.Stable, a.GenerationId, "range"), (view.State, view.GenerationId, view.Protocol));
        Assert.Equal([a.MemberId, b.MemberId], view.Members.Select(m => m.MemberId).Order());
        Assert.Equal(ErrorCode.None, reopened.Heartbeat(Heartbeat("members", a)).ErrorCode);
        var synced = await reopened.SyncGroupAsync(Sync("members", a), _ct).WaitAsync(TimeSpan.FromSeconds(30), _ct);
        Assert.Equal(ErrorCode.None, synced.ErrorCode);
        Assert.Equal([1], synced.Assignment.ToArray());
        var rejoinedSame = await reopened.JoinGroupAsync(GroupTestKit.Join("members", b.MemberId), 3, "b", "/h", _ct).WaitAsync(TimeSpan.FromSeconds(30), _ct);
        Assert.Equal((ErrorCode.None, a.GenerationId), (rejoinedSame.ErrorCode, rejoinedSame.GenerationId));

        // Each member's session counts from the load: b, silent from now on, is removed after it and a rebalances alone.
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(ErrorCode.None, reopened.Heartbeat(Heartbeat("members", a)).ErrorCode);
        reopened.Tick();
        Assert.Equal(2, reopened.Describe("members")!.Members.Count);
        clock.Advance(TimeSpan.FromSeconds(6));
        reopened.Tick();
        Assert.Equal([a.MemberId], reopened.Describe("members")!.Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.RebalanceInProgress, reopened.Heartbeat(Heartbeat("members", a)).ErrorCode);
        var rejoined = await reopened.JoinGroupAsync(GroupTestKit.Join("members", a.MemberId), 3, "a", "/h", _ct).WaitAsync(TimeSpan.FromSeconds(30), _ct);
        Assert.Equal((ErrorCode.None, a.GenerationId + 1), (rejoined.ErrorCode, rejoined.GenerationId));
        Assert.Equal([a.MemberId], rejoined.Members.Select(m => m.MemberId));
    }

    [Fact]
    public async Task A_restored_group_whose_members_all_stay_away_empties_and_keeps_counting_generations()
    {
        string dir = TempDir();
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        JoinGroupResponse a;
        await using (var coordinator = Coordinator(dir, Options(), clock))
            (a, _) = await GroupMembershipTests.StableOfTwo(coordinator, "gone");
        await using var reopened = Coordinator(dir, Options(), clock);
        clock.Advance(TimeSpan.FromSeconds(11));
        reopened.Tick();
        reopened.Tick();
        var view = reopened.Describe("gone")!;
        Assert.Equal((GroupState.Empty, 0), (view.State, view.Members.Count));
        Assert.Equal(ErrorCode.UnknownMemberId, reopened.Heartbeat(Heartbeat("gone", a)).ErrorCode);
        var joined = await reopened.JoinGroupAsync(GroupTestKit.Join("gone"), 3, "c", "/h", _ct).WaitAsync(TimeSpan.FromSeconds(30), _ct);
        Assert.Equal(ErrorCode.None, joined.ErrorCode);
        Assert.True(joined.GenerationId > a.GenerationId, $"generation {joined.GenerationId} continues after {a.GenerationId}");
    }

    [Fact]
    public async Task A_data_directory_with_the_former_offsets_file_is_migrated_once_and_the_file_retired()
    {
        string dir = TempDir();
        string folder = Path.Combine(dir, "__consumer_offsets");
        Directory.CreateDirectory(folder);
        using (var snapshot = new PooledBufferWriter(1024))
        {
            new OffsetLogRecord(false, "g", new GroupPartition("logs", 0), new CommittedOffset(5, 1, "old", 1000)).WriteTo(snapshot);
            new OffsetLogRecord(false, "h", new GroupPartition("events", 2), new CommittedOffset(9, -1, null, 1000)).WriteTo(snapshot);
            File.WriteAllBytes(Path.Combine(folder, "offsets.snapshot"), snapshot.WrittenSpan.ToArray());
        }
        using (var log = new PooledBufferWriter(1024))
        {
            new OffsetLogRecord(false, "g", new GroupPartition("logs", 0), new CommittedOffset(7, 2, "newer", 2000)).WriteTo(log);
            new OffsetLogRecord(true, "h", new GroupPartition("events", 2), new CommittedOffset(-1, -1, null, 0)).WriteTo(log);
            new OffsetLogRecord(false, "h", new GroupPartition("events", 1), new CommittedOffset(11, -1, null, 2000)).WriteTo(log);
            File.WriteAllBytes(Path.Combine(folder, "offsets.log"), [.. log.WrittenSpan, 0, 0, 0, 40, 1, 2]); // and a torn tail
        }

        await using (var migrated = Coordinator(dir, Options()))
        {
            Assert.Equal((7L, 2, "newer"), (Fetched(migrated, "g", "logs", 0)!.CommittedOffset, Fetched(migrated, "g", "logs", 0)!.CommittedLeaderEpoch, Fetched(migrated, "g", "logs", 0)!.Metadata));
            Assert.Null(Fetched(migrated, "h", "events", 2));
            Assert.Equal(11, Fetched(migrated, "h", "events", 1)!.CommittedOffset);
            Assert.False(Directory.Exists(folder), "the former offsets folder is deleted once its offsets are in the topic");
            await migrated.CommitOffsetsAsync(Standalone("g", "logs", 0, 8), _ct);
        }
        await using var reopened = Coordinator(dir, Options());
        Assert.Equal(8, Fetched(reopened, "g", "logs", 0)!.CommittedOffset);
        Assert.Equal(11, Fetched(reopened, "h", "events", 1)!.CommittedOffset);
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
