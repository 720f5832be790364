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
            MessageStructure.CollectAllFields(c.Type, all);
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

    [Fact]
    public void Version_above_the_range_is_refused_rather_than_encoded_as_another()
    {
        var c = GroupMessageCase.Find("JoinGroupRequest");
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Encode(c.Sample(5), 6));
    }
}
