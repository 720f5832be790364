using System.Buffers.Binary;
using IngestHub.Protocol.Messages.ConsumerProtocol;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages.Groups;

public class ConsumerProtocolTests
{
    private static readonly byte[] SubscriptionV0 =
    [
        0x00, 0x00,                         // version 0
        0x00, 0x00, 0x00, 0x02,             // topics: 2
        0x00, 0x04, .. "logs"u8,
        0x00, 0x05, .. "audit"u8,
        0xFF, 0xFF, 0xFF, 0xFF,             // user_data null
    ];

    private static readonly byte[] AssignmentV0 =
    [
        0x00, 0x00,                         // version 0
        0x00, 0x00, 0x00, 0x01,             // assigned topics: 1
        0x00, 0x04, .. "logs"u8,
        0x00, 0x00, 0x00, 0x02,             //   partitions: 2
        0x00, 0x00, 0x00, 0x00,             //   0
        0x00, 0x00, 0x00, 0x03,             //   3
        0x00, 0x00, 0x00, 0x00,             // user_data empty (not null)
    ];

    private static ConsumerProtocolSubscription Subscription(short v) => new()
    {
        Version = v,
        Topics = ["logs", "audit"],
        UserData = new byte[] { 1, 2, 3 },
        OwnedPartitions = v >= 1 ? [new() { Topic = "logs", Partitions = [0, 5] }] : [],
        GenerationId = v >= 2 ? 12 : -1,
        RackId = v >= 3 ? "eu-west-1a" : null,
    };

    private static ConsumerProtocolAssignment Assignment(short v) => new()
    {
        Version = v,
        AssignedPartitions = [new() { Topic = "logs", Partitions = [0, 3] }, new() { Topic = "audit", Partitions = [1] }],
        UserData = new byte[] { 9 },
    };

    private static byte[] Encode(ConsumerProtocolSubscription s, short v)
    {
        using var buffer = new PooledBufferWriter();
        s.Write(buffer, v);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Encode(ConsumerProtocolAssignment a, short v)
    {
        using var buffer = new PooledBufferWriter();
        a.Write(buffer, v);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Subscription_v0_decodes_and_encodes_spec_bytes()
    {
        var subscription = ConsumerProtocolSubscription.Read(SubscriptionV0);

        Assert.Equal(0, subscription.Version);
        Assert.Equal(["logs", "audit"], subscription.Topics);
        Assert.Null(subscription.UserData);
        Assert.Empty(subscription.OwnedPartitions);
        Assert.Equal(SubscriptionV0, Encode(subscription, 0));
    }

    [Fact]
    public void Assignment_v0_decodes_and_encodes_spec_bytes()
    {
        var assignment = ConsumerProtocolAssignment.Read(AssignmentV0);

        Assert.Equal(0, assignment.Version);
        var topic = Assert.Single(assignment.AssignedPartitions);
        Assert.Equal("logs", topic.Topic);
        Assert.Equal([0, 3], topic.Partitions);
        Assert.NotNull(assignment.UserData);
        Assert.True(assignment.UserData.Value.IsEmpty);
        Assert.Equal(AssignmentV0, Encode(assignment, 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Subscription_round_trips_every_field_of_its_version(short version)
    {
        var original = Subscription(version);
        var decoded = ConsumerProtocolSubscription.Read(Encode(original, version));
        MessageStructure.AssertEqual(original, decoded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Assignment_round_trips_every_field_of_its_version(short version)
    {
        var original = Assignment(version);
        var decoded = ConsumerProtocolAssignment.Read(Encode(original, version));
        MessageStructure.AssertEqual(original, decoded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Truncated_subscription_throws_malformed_at_every_length(short version)
    {
        byte[] bytes = Encode(Subscription(version), version);
        for (int length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsMemory(0, length);
            Assert.Throws<MalformedMessageException>(() => ConsumerProtocolSubscription.Read(prefix));
        }
    }

    [Fact]
    public void Truncated_assignment_throws_malformed_at_every_nonzero_length()
    {
        byte[] bytes = Encode(Assignment(1), 1);
        for (int length = 1; length < bytes.Length; length++)
        {
            var prefix = bytes.AsMemory(0, length);
            Assert.Throws<MalformedMessageException>(() => ConsumerProtocolAssignment.Read(prefix));
        }
    }

    [Fact]
    public void Empty_assignment_bytes_mean_no_partitions()
    {
        var assignment = ConsumerProtocolAssignment.Read(ReadOnlyMemory<byte>.Empty);
        Assert.Empty(assignment.AssignedPartitions);
        Assert.Null(assignment.UserData);
    }

    [Fact]
    public void Newer_subscription_version_is_read_with_known_fields_and_the_rest_ignored()
    {
        byte[] v3 = Encode(Subscription(3), 3);
        byte[] newer = [.. v3, 0x00, 0x00, 0x00, 0x07, 0xDE, 0xAD]; // fields a future version appends
        BinaryPrimitives.WriteInt16BigEndian(newer, 9);

        var decoded = ConsumerProtocolSubscription.Read(newer);

        Assert.Equal(9, decoded.Version);
        var expected = Subscription(3);
        expected.Version = 9;
        MessageStructure.AssertEqual(expected, decoded);
    }

    [Fact]
    public void Newer_assignment_version_is_read_with_known_fields_and_the_rest_ignored()
    {
        byte[] newer = [.. AssignmentV0, 0x01, 0x02, 0x03];
        BinaryPrimitives.WriteInt16BigEndian(newer, 5);

        var decoded = ConsumerProtocolAssignment.Read(newer);

        Assert.Equal(5, decoded.Version);
        Assert.Equal([0, 3], Assert.Single(decoded.AssignedPartitions).Partitions);
    }

    [Fact]
    public void Negative_version_is_malformed()
    {
        byte[] subscription = [.. SubscriptionV0];
        BinaryPrimitives.WriteInt16BigEndian(subscription, -1);
        byte[] assignment = [.. AssignmentV0];
        BinaryPrimitives.WriteInt16BigEndian(assignment, -1);

        Assert.Throws<MalformedMessageException>(() => ConsumerProtocolSubscription.Read(subscription));
        Assert.Throws<MalformedMessageException>(() => ConsumerProtocolAssignment.Read(assignment));
    }

    [Fact]
    public void Hostile_partition_count_is_malformed()
    {
        byte[] bytes = [0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, (byte)'t', 0x10, 0x00, 0x00, 0x00];
        Assert.Throws<MalformedMessageException>(() => ConsumerProtocolAssignment.Read(bytes));
    }

    [Fact]
    public void Writing_a_version_newer_than_known_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Encode(Subscription(3), 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Encode(Assignment(3), 4));
    }
}
