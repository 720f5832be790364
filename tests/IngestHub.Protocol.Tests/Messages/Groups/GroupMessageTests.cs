using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages.Groups;

public class GroupMessageTests
{
    public static TheoryData<string, short> EveryVersion() => GroupMessageCase.EveryVersion();

    [Theory]
    [MemberData(nameof(EveryVersion))]
    public void Message_round_trips_every_field_of_its_version(string name, short version)
    {
        var c = GroupMessageCase.Find(name);
        object original = c.Sample(version);
        byte[] bytes = c.Encode(original, version);

        var (decoded, consumed) = c.Decode(bytes, version);

        Assert.Equal(bytes.Length, consumed);
        MessageStructure.AssertEqual(original, decoded);
        Assert.Equal(bytes, c.Encode(decoded, version));
    }

    [Theory]
    [MemberData(nameof(EveryVersion))]
    public void Truncated_message_throws_malformed_at_every_length(string name, short version)
    {
        var c = GroupMessageCase.Find(name);
        byte[] bytes = c.Encode(c.Sample(version), version);

        for (int length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsMemory(0, length);
            Assert.Throws<MalformedMessageException>(() => c.Decode(prefix, version));
        }
    }

    [Fact]
    public void Samples_set_every_field_in_at_least_one_version()
    {
        // Guards the round-trip test: a field never given a non-default value would pass unnoticed.
        foreach (var c in GroupMessageCase.All)
        {
            var all = new HashSet<string>();
            MessageStructure.CollectAllFields(c.Type, all, c.MinVersion, c.MaxVersion);
            var set = new HashSet<string>();
            for (short v = c.MinVersion; v <= c.MaxVersion; v++)
                MessageStructure.CollectSetFields(c.Sample(v), set);
            all.ExceptWith(set);
            Assert.True(all.Count == 0, $"{c.Name}: never set: {string.Join(", ", all)}");
        }
    }

    [Theory]
    [InlineData("FindCoordinatorRequest", ApiKey.FindCoordinator, 2)]
    [InlineData("FindCoordinatorResponse", ApiKey.FindCoordinator, 2)]
    [InlineData("JoinGroupRequest", ApiKey.JoinGroup, 5)]
    [InlineData("JoinGroupResponse", ApiKey.JoinGroup, 5)]
    [InlineData("SyncGroupRequest", ApiKey.SyncGroup, 3)]
    [InlineData("SyncGroupResponse", ApiKey.SyncGroup, 3)]
    [InlineData("HeartbeatRequest", ApiKey.Heartbeat, 3)]
    [InlineData("HeartbeatResponse", ApiKey.Heartbeat, 3)]
    [InlineData("LeaveGroupRequest", ApiKey.LeaveGroup, 3)]
    [InlineData("LeaveGroupResponse", ApiKey.LeaveGroup, 3)]
    [InlineData("OffsetCommitRequest", ApiKey.OffsetCommit, 7)]
    [InlineData("OffsetCommitResponse", ApiKey.OffsetCommit, 7)]
    [InlineData("OffsetFetchRequest", ApiKey.OffsetFetch, 5)]
    [InlineData("OffsetFetchResponse", ApiKey.OffsetFetch, 5)]
    [InlineData("ListGroupsRequest", ApiKey.ListGroups, 2)]
    [InlineData("ListGroupsResponse", ApiKey.ListGroups, 2)]
    [InlineData("DescribeGroupsRequest", ApiKey.DescribeGroups, 4)]
    [InlineData("DescribeGroupsResponse", ApiKey.DescribeGroups, 4)]
    public void Message_declares_its_key_and_the_non_flexible_version_range(string name, ApiKey key, short maxVersion)
    {
        var c = GroupMessageCase.Find(name);
        Assert.Equal(key, c.ApiKey);
        Assert.Equal(0, c.MinVersion);
        Assert.Equal(maxVersion, c.MaxVersion);
    }

    // Each row: the bytes one version adds over the previous, counted by hand from the spec for that
    // message's sample (e.g. group_instance_id "host-a" = 2 + 6). Catches a field gated at the wrong
    // version on both the read and the write side, which a round trip cannot see.
    [Theory]
    [InlineData("FindCoordinatorRequest", 1, 1)]            // key_type
    [InlineData("FindCoordinatorResponse", 1, 4 + 2 + 7)]   // throttle, error_message "loading"
    [InlineData("JoinGroupRequest", 1, 4)]                  // rebalance_timeout_ms
    [InlineData("JoinGroupRequest", 5, 2 + 6)]              // group_instance_id
    [InlineData("JoinGroupResponse", 2, 4)]                 // throttle
    [InlineData("JoinGroupResponse", 5, 2 * (2 + 6))]       // members' group_instance_id
    [InlineData("SyncGroupRequest", 3, 2 + 6)]
    [InlineData("SyncGroupResponse", 1, 4)]
    [InlineData("HeartbeatRequest", 3, 2 + 6)]
    [InlineData("HeartbeatResponse", 1, 4)]
    [InlineData("LeaveGroupResponse", 1, 4)]
    [InlineData("OffsetCommitRequest", 6, 2 * 4)]           // committed_leader_epoch per partition
    [InlineData("OffsetCommitRequest", 7, 2 + 6)]
    [InlineData("OffsetCommitResponse", 3, 4)]
    [InlineData("OffsetFetchResponse", 2, 2)]               // top-level error
    [InlineData("OffsetFetchResponse", 3, 4)]
    [InlineData("OffsetFetchResponse", 5, 2 * 4)]
    [InlineData("ListGroupsResponse", 1, 4)]
    [InlineData("DescribeGroupsRequest", 3, 1)]             // include_authorized_operations
    [InlineData("DescribeGroupsResponse", 1, 4)]
    [InlineData("DescribeGroupsResponse", 3, 2 * 4)]        // authorized_operations per group
    [InlineData("DescribeGroupsResponse", 4, 2 + 6)]        // member group_instance_id
    public void Field_appears_at_the_version_the_spec_adds_it(string name, short version, int addedBytes)
    {
        var c = GroupMessageCase.Find(name);
        object sample = c.Sample(version);
        Assert.Equal(c.Encode(sample, (short)(version - 1)).Length + addedBytes, c.Encode(sample, version).Length);
    }

    [Fact]
    public void Version_above_the_range_is_refused_rather_than_encoded_as_another()
    {
        var c = GroupMessageCase.Find("JoinGroupRequest");
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Encode(c.Sample(5), 10));
    }
}
