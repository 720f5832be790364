using IngestHub.Broker.Groups.OffsetsTopic;
using Xunit;

namespace IngestHub.Broker.Tests.Groups;

/// <summary>The <c>__consumer_offsets</c> record formats byte for byte as Kafka lays them out, and the group →
/// partition hash as Java computes it.</summary>
public sealed class OffsetsTopicFormatTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("hello", 22)] // "hello".hashCode() = 99162322
    [InlineData("polygenelubricants", 0)] // hashCode() = Int32.MinValue: Kafka's abs gives 0
    [InlineData("billing", 9)] // hashCode() = -109829509: the absolute value, not the sign bit masked (which gives 39)
    [InlineData("burrow-lag", 16)] // -599959616
    [InlineData("\u00e9", 33)] // 233
    [InlineData("\ud83d\ude00", 49)] // one code point, two UTF-16 units: 31 * 0xD83D + 0xDE00 = 1772899
    public void A_group_maps_to_the_partition_kafka_picks(string group, int expected) =>
        Assert.Equal(expected, OffsetsTopicFormat.PartitionFor(group, 50));

    [Fact]
    public void Offset_commit_key_and_value_v3_are_kafkas_bytes()
    {
        byte[] key = OffsetsTopicFormat.EncodeKey(new OffsetCommitKey("g", "t", 2));
        Assert.Equal(Convert.FromHexString("0001" + "000167" + "000174" + "00000002"), key);
        byte[] value = OffsetsTopicFormat.EncodeValue(new OffsetCommitValue(5, -1, "", 1000));
        Assert.Equal(Convert.FromHexString("0003" + "0000000000000005" + "FFFFFFFF" + "0000" + "00000000000003E8"), value);

        Assert.Equal(new OffsetCommitKey("g", "t", 2), OffsetsTopicFormat.DecodeKey(key));
        Assert.Equal(new OffsetCommitValue(5, -1, "", 1000), OffsetsTopicFormat.DecodeOffsetValue(value));
    }

    [Fact]
    public void Offset_commit_value_v1_carries_the_expire_timestamp_and_v4_is_flexible()
    {
        var v1 = OffsetsTopicFormat.EncodeValue(new OffsetCommitValue(7, -1, "m", 10, 20), version: 1);
        Assert.Equal(Convert.FromHexString("0001" + "0000000000000007" + "00016D" + "000000000000000A" + "0000000000000014"), v1);
        Assert.Equal(new OffsetCommitValue(7, -1, "m", 10, 20), OffsetsTopicFormat.DecodeOffsetValue(v1));

        var v4 = OffsetsTopicFormat.EncodeValue(new OffsetCommitValue(7, 3, "m", 10), version: 4);
        Assert.Equal(Convert.FromHexString("0004" + "0000000000000007" + "00000003" + "026D" + "000000000000000A" + "00"), v4);
        Assert.Equal(new OffsetCommitValue(7, 3, "m", 10), OffsetsTopicFormat.DecodeOffsetValue(v4));
        // Version 0 (Kafka before 0.10.1) has no expire timestamp and no leader epoch.
        Assert.Equal(new OffsetCommitValue(9, -1, "", 4), OffsetsTopicFormat.DecodeOffsetValue(Convert.FromHexString("0000" + "0000000000000009" + "0000" + "0000000000000004")));
    }

    [Fact]
    public void Group_metadata_key_v2_and_value_v3_with_a_member_are_kafkas_bytes()
    {
        Assert.Equal(Convert.FromHexString("0002" + "000167"), OffsetsTopicFormat.EncodeGroupKey("g"));
        Assert.Equal("g", OffsetsTopicFormat.DecodeKey(Convert.FromHexString("0002000167")));

        var group = new GroupMetadataValue("consumer", 4, "range", "m1", 99,
            [new GroupMetadataMember("m1", null, "c", "/h", 300, 100, new byte[] { 0xAA }, new byte[] { 0xBB, 0xCC })]);
        byte[] value = OffsetsTopicFormat.EncodeValue(group);
        string expected = "0003" + "0008" + Convert.ToHexString("consumer"u8) + "00000004" + "0005" + Convert.ToHexString("range"u8)
            + "0002" + Convert.ToHexString("m1"u8) + "0000000000000063" + "00000001"
            + "0002" + Convert.ToHexString("m1"u8) + "FFFF" + "000163" + "00022F68" + "0000012C" + "00000064" + "00000001AA" + "00000002BBCC";
        Assert.Equal(Convert.FromHexString(expected), value);

        var decoded = OffsetsTopicFormat.DecodeGroupValue(value);
        Assert.Equal(("consumer", 4, "range", "m1", 99L), (decoded.ProtocolType, decoded.Generation, decoded.Protocol, decoded.Leader, decoded.CurrentStateTimestamp));
        var member = Assert.Single(decoded.Members);
        Assert.Equal(("m1", (string?)null, "c", "/h", 300, 100), (member.MemberId, member.GroupInstanceId, member.ClientId, member.ClientHost, member.RebalanceTimeout, member.SessionTimeout));
        Assert.Equal([0xBB, 0xCC], member.Assignment.ToArray());
        var v4 = OffsetsTopicFormat.DecodeGroupValue(OffsetsTopicFormat.EncodeValue(group, version: 4));
        Assert.Equal(decoded.Members[0].MemberId, v4.Members[0].MemberId);
        Assert.Equal([0xAA], v4.Members[0].Subscription.ToArray());
    }

    [Fact]
    public void Unknown_versions_and_truncated_records_are_refused_clearly()
    {
        Assert.Throws<InvalidDataException>(() => OffsetsTopicFormat.DecodeKey(Convert.FromHexString("0009000167")));
        Assert.Throws<InvalidDataException>(() => OffsetsTopicFormat.DecodeKey(Convert.FromHexString("00010001")));
        Assert.Throws<InvalidDataException>(() => OffsetsTopicFormat.DecodeOffsetValue(Convert.FromHexString("000300")));
        Assert.Throws<InvalidDataException>(() => OffsetsTopicFormat.DecodeGroupValue(Convert.FromHexString("0003FFFF")));
    }
}
