using IngestHub.Broker.Groups;
using IngestHub.Broker.Groups.OffsetsTopic;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static IngestHub.Broker.Tests.Groups.GroupTestKit;

namespace IngestHub.Broker.Tests.Groups;

/// <summary>Consumer-protocol (KIP-848) groups in <c>__consumer_offsets</c>: Kafka's records (key versions 3, 5, 6, 7,
/// 8) written as the group changes, tombstones when a member goes, and the group rebuilt from them at start.</summary>
public sealed class ConsumerGroupRecordsTests
{
    private static readonly Guid LogsId = Guid.Parse("4a9d7c3e-0000-4000-8000-00000000000a");

    private sealed class Catalog : ITopicCatalog
    {
        public bool TryGetTopic(string name, out Guid topicId, out int partitions)
        {
            (topicId, partitions) = name == "logs" ? (LogsId, 4) : (Guid.Empty, 0);
            return name == "logs";
        }

        public string? TopicName(Guid topicId) => topicId == LogsId ? "logs" : null;
    }

    private static GroupCoordinator Open(string dir, TimeProvider clock)
    {
        var coordinator = new GroupCoordinator(Options(), dir, NullLoggerFactory.Instance, clock, new FixedEndOffsets(100, "logs"))
        {
            TopicCatalog = new Catalog(),
            TickInterval = TimeSpan.FromHours(1), // deadlines are driven by Tick() with the test's clock
        };
        coordinator.Start();
        return coordinator;
    }

    private static ConsumerGroupHeartbeatResponse Beat(GroupCoordinator coordinator, string memberId, int epoch, params int[] owned)
    {
        var request = new ConsumerGroupHeartbeatRequest
        {
            GroupId = "kip848",
            MemberId = memberId,
            MemberEpoch = epoch,
            RebalanceTimeoutMs = epoch == 0 ? 30_000 : -1,
            SubscribedTopicNames = epoch == 0 ? ["logs"] : null,
            TopicPartitions = [new ConsumerGroupHeartbeatRequest.TopicAssignment { TopicId = LogsId, Partitions = [.. owned] }],
        };
        var response = coordinator.ConsumerGroupHeartbeat(request, "client-" + (memberId.Length == 0 ? "new" : memberId[..4]), "/127.0.0.1");
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        return response;
    }

    private static int[] Partitions(ConsumerGroupDescribeResponse.Member member) =>
        [.. member.Assignment.TopicPartitions.SelectMany(t => t.Partitions).Order()];

    private static ConsumerGroupDescribeResponse.Group Describe(GroupCoordinator coordinator) =>
        coordinator.ConsumerGroupDescribe(new ConsumerGroupDescribeRequest { GroupIds = ["kip848"] }).Groups.Single();

    /// <summary>The latest value per record key of the group, read back from the offsets topic's segments in order.</summary>
    private static Dictionary<ConsumerGroupRecordKey, object?> StoredRecords(string dir)
    {
        string partitionDir = Path.Combine(dir, "__consumer_offsets-" + OffsetsTopicFormat.PartitionFor("kip848", OffsetsPartitions));
        var latest = new Dictionary<ConsumerGroupRecordKey, object?>();
        foreach (var record in Directory.GetFiles(partitionDir, "*.log").Order(StringComparer.Ordinal).SelectMany(f => RecordBatchDecoder.DecodeAll(File.ReadAllBytes(f))))
        {
            if (OffsetsTopicFormat.DecodeKey(record.Key) is not ConsumerGroupRecordKey key)
                continue;
            latest[key] = record.Value is null ? null : OffsetsTopicFormat.DecodeConsumerGroupValue(key.Type, record.Value);
        }
        return latest;
    }

    [Fact]
    public async Task A_consumer_protocol_group_is_kept_in_Kafkas_records_and_comes_back_with_its_epochs_and_assignments()
    {
        string dir = TempDir();
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        string a, b;
        int epochA, epochB, groupEpoch;
        int[] partitionsA, partitionsB;
        await using (var coordinator = Open(dir, clock))
        {
            var joinedA = Beat(coordinator, "", 0);
            a = joinedA.MemberId!;
            Assert.Equal(4, joinedA.Assignment!.TopicPartitions.Single().Partitions.Count);
            var joinedB = Beat(coordinator, "", 0);
            b = joinedB.MemberId!;
            // a gives up two partitions, then b receives them.
            var revoked = Beat(coordinator, a, joinedA.MemberEpoch, 0, 1, 2, 3);
            int[] kept = [.. revoked.Assignment!.TopicPartitions.Single().Partitions];
            Assert.Equal(2, kept.Length);
            var settledA = Beat(coordinator, a, revoked.MemberEpoch, kept);
            var settledB = Beat(coordinator, b, joinedB.MemberEpoch);
            Assert.Equal(2, settledB.Assignment!.TopicPartitions.Single().Partitions.Count);
            Beat(coordinator, a, settledA.MemberEpoch, kept);

            var view = Describe(coordinator);
            Assert.Equal("Stable", view.GroupState);
            groupEpoch = view.GroupEpoch;
            var memberA = view.Members.Single(m => m.MemberId == a);
            var memberB = view.Members.Single(m => m.MemberId == b);
            (epochA, epochB) = (memberA.MemberEpoch, memberB.MemberEpoch);
            (partitionsA, partitionsB) = (Partitions(memberA), Partitions(memberB));

            // Kafka's records: group epoch, target assignment epoch, and per member its metadata, target and current assignment.
            var stored = StoredRecords(dir);
            Assert.Equal(new ConsumerGroupMetadataValue(groupEpoch), stored[new(ConsumerGroupRecordType.Metadata, "kip848")]);
            Assert.Equal(new ConsumerGroupTargetAssignmentMetadataValue(view.AssignmentEpoch), stored[new(ConsumerGroupRecordType.TargetAssignmentMetadata, "kip848")]);
            var metadataA = Assert.IsType<ConsumerGroupMemberMetadataValue>(stored[new(ConsumerGroupRecordType.MemberMetadata, "kip848", a)]);
            Assert.Equal(["logs"], metadataA.SubscribedTopicNames);
            Assert.Equal((30_000, "uniform", "/127.0.0.1"), (metadataA.RebalanceTimeoutMs, metadataA.ServerAssignor, metadataA.ClientHost));
            var currentB = Assert.IsType<ConsumerGroupCurrentMemberAssignmentValue>(stored[new(ConsumerGroupRecordType.CurrentMemberAssignment, "kip848", b)]);
            Assert.Equal((epochB, ConsumerGroupCurrentMemberAssignmentValue.Stable), (currentB.MemberEpoch, currentB.State));
            Assert.Equal(partitionsB, Assert.Single(currentB.AssignedPartitions, t => t.TopicId == LogsId).Partitions.Order());
            Assert.Empty(currentB.PartitionsPendingRevocation);
            var targetA = Assert.IsType<ConsumerGroupTargetAssignmentMemberValue>(stored[new(ConsumerGroupRecordType.TargetAssignmentMember, "kip848", a)]);
            Assert.Equal(partitionsA, targetA.TopicPartitions.Single().Partitions.Order());
        }

        // Restored as it was: same epochs and assignments; a member heartbeating with its epoch keeps it and its partitions.
        clock.Advance(TimeSpan.FromMinutes(5));
        await using var reopened = Open(dir, clock);
        var restored = Describe(reopened);
        Assert.Equal(("Stable", groupEpoch), (restored.GroupState, restored.GroupEpoch));
        Assert.Equal(epochA, restored.Members.Single(m => m.MemberId == a).MemberEpoch);
        Assert.Equal(partitionsA, Partitions(restored.Members.Single(m => m.MemberId == a)));
        Assert.Equal(epochB, restored.Members.Single(m => m.MemberId == b).MemberEpoch);
        Assert.Equal(partitionsB, Partitions(restored.Members.Single(m => m.MemberId == b)));
        var again = Beat(reopened, a, epochA, partitionsA);
        Assert.Equal(epochA, again.MemberEpoch);
        Assert.Null(again.Assignment); // unchanged, so not sent

        // b does not come back: after the session timeout (counted from the load) it is removed and a gets everything.
        clock.Advance(TimeSpan.FromSeconds(30));
        Beat(reopened, a, epochA, partitionsA);
        clock.Advance(TimeSpan.FromSeconds(20));
        reopened.Tick();
        Assert.Equal([a], Describe(reopened).Members.Select(m => m.MemberId));
        var grown = Beat(reopened, a, epochA, partitionsA);
        Assert.True(grown.MemberEpoch > epochA);
        Assert.Equal([0, 1, 2, 3], grown.Assignment!.TopicPartitions.Single().Partitions.Order());
        var afterRemoval = StoredRecords(dir);
        Assert.Null(afterRemoval[new(ConsumerGroupRecordType.MemberMetadata, "kip848", b)]);
        Assert.Null(afterRemoval[new(ConsumerGroupRecordType.CurrentMemberAssignment, "kip848", b)]);
        Assert.Equal(new ConsumerGroupMetadataValue(Describe(reopened).GroupEpoch), afterRemoval[new(ConsumerGroupRecordType.Metadata, "kip848")]);
    }

    [Fact]
    public void Consumer_group_records_encode_as_Kafkas_flexible_version_0_values()
    {
        // ConsumerGroupMemberMetadataKey: version 5, group "g", member "m" (plain strings).
        Assert.Equal([0x00, 0x05, 0x00, 0x01, (byte)'g', 0x00, 0x01, (byte)'m'],
            OffsetsTopicFormat.EncodeKey(new ConsumerGroupRecordKey(ConsumerGroupRecordType.MemberMetadata, "g", "m")));
        // ConsumerGroupMetadataValue: version 0, epoch 7, empty tagged fields.
        Assert.Equal([0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00], OffsetsTopicFormat.EncodeValue(new ConsumerGroupMetadataValue(7)));
        // ConsumerGroupCurrentMemberAssignmentValue: epochs 5 and 4, state 0, one topic with partition 2, none pending.
        byte[] id = LogsId.ToByteArray(bigEndian: true);
        byte[] expected = [0x00, 0x00, 0, 0, 0, 5, 0, 0, 0, 4, 0x00, 0x02, .. id, 0x02, 0, 0, 0, 2, 0x00, 0x01, 0x00];
        var value = new ConsumerGroupCurrentMemberAssignmentValue(5, 4, 0, [new TopicIdPartitions(LogsId, [2])], []);
        Assert.Equal(expected, OffsetsTopicFormat.EncodeValue(value));
        var decoded = Assert.IsType<ConsumerGroupCurrentMemberAssignmentValue>(OffsetsTopicFormat.DecodeConsumerGroupValue(ConsumerGroupRecordType.CurrentMemberAssignment, expected));
        Assert.Equal((5, 4, (sbyte)0, 2), (decoded.MemberEpoch, decoded.PreviousMemberEpoch, decoded.State, decoded.AssignedPartitions.Single().Partitions.Single()));
        var member = new ConsumerGroupMemberMetadataValue(null, "r1", "c", "/h", ["logs"], null, 45_000, "uniform");
        var roundTrip = Assert.IsType<ConsumerGroupMemberMetadataValue>(OffsetsTopicFormat.DecodeConsumerGroupValue(ConsumerGroupRecordType.MemberMetadata, OffsetsTopicFormat.EncodeValue(member)));
        Assert.Equal((member.RackId, member.ClientHost, "logs", member.RebalanceTimeoutMs, member.ServerAssignor),
            (roundTrip.RackId, roundTrip.ClientHost, roundTrip.SubscribedTopicNames.Single(), roundTrip.RebalanceTimeoutMs, roundTrip.ServerAssignor));
    }
}
