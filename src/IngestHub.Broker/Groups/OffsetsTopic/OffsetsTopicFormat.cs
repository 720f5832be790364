using IngestHub.Protocol.Primitives;

namespace IngestHub.Broker.Groups.OffsetsTopic;

/// <summary>
/// The record formats of Kafka's <c>__consumer_offsets</c> topic, so tools that read it (Burrow,
/// kafka-consumer-groups style scripts, sarama/franz decoders) understand this broker's commits:
/// key version 0/1 = offset commit (group, topic, partition), key version 2 = group metadata (group); values as
/// <see cref="OffsetCommitValue"/> (written as version 3) and <see cref="GroupMetadataValue"/> (written as version 3).
/// Readers accept every version Kafka has written (values 0–4; version 4 is flexible: compact strings and
/// tagged fields). A group's partition of the topic is <see cref="PartitionFor"/>, as Kafka computes it.
/// </summary>
public static class OffsetsTopicFormat
{
    public const string TopicName = "__consumer_offsets";
    public const short OffsetCommitValueVersion = 3;
    public const short GroupMetadataValueVersion = 3;

    /// <summary>Kafka's partition of a group: abs(Java String.hashCode(group)) % partitions, with Kafka's abs (the
    /// absolute value, except that Int32.MinValue, which has none, gives 0).</summary>
    public static int PartitionFor(string groupId, int partitions)
    {
        int hash = 0;
        foreach (char c in groupId)
            hash = unchecked(31 * hash + c); // UTF-16 code units, as Java's String.hashCode
        return (hash == int.MinValue ? 0 : Math.Abs(hash)) % partitions;
    }

    public static byte[] EncodeKey(OffsetCommitKey key)
    {
        using var buffer = new PooledBufferWriter(64);
        var writer = new KafkaWriter(buffer);
        writer.WriteInt16(1);
        writer.WriteString(key.Group);
        writer.WriteString(key.Topic);
        writer.WriteInt32(key.Partition);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeGroupKey(string group)
    {
        using var buffer = new PooledBufferWriter(32);
        var writer = new KafkaWriter(buffer);
        writer.WriteInt16(2);
        writer.WriteString(group);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeValue(OffsetCommitValue value, short version = OffsetCommitValueVersion)
    {
        if (version is < 0 or > 4)
            throw new ArgumentOutOfRangeException(nameof(version), version, "offset commit values have versions 0 to 4");
        bool flexible = version >= 4;
        using var buffer = new PooledBufferWriter(64);
        var writer = new KafkaWriter(buffer);
        writer.WriteInt16(version);
        writer.WriteInt64(value.Offset);
        if (version >= 3)
            writer.WriteInt32(value.LeaderEpoch);
        writer.WriteString(value.Metadata, flexible);
        writer.WriteInt64(value.CommitTimestamp);
        if (version == 1)
            writer.WriteInt64(value.ExpireTimestamp);
        if (flexible)
            writer.WriteEmptyTaggedFields();
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeValue(GroupMetadataValue value, short version = GroupMetadataValueVersion)
    {
        if (version is < 0 or > 4)
            throw new ArgumentOutOfRangeException(nameof(version), version, "group metadata values have versions 0 to 4");
        bool flexible = version >= 4;
        using var buffer = new PooledBufferWriter(256);
        var writer = new KafkaWriter(buffer);
        writer.WriteInt16(version);
        writer.WriteString(value.ProtocolType, flexible);
        writer.WriteInt32(value.Generation);
        writer.WriteNullableString(value.Protocol, flexible);
        writer.WriteNullableString(value.Leader, flexible);
        if (version >= 2)
            writer.WriteInt64(value.CurrentStateTimestamp);
        writer.WriteArrayLength(value.Members.Count, flexible);
        foreach (var member in value.Members)
        {
            writer.WriteString(member.MemberId, flexible);
            if (version >= 3)
                writer.WriteNullableString(member.GroupInstanceId, flexible);
            writer.WriteString(member.ClientId, flexible);
            writer.WriteString(member.ClientHost, flexible);
            if (version >= 1)
                writer.WriteInt32(member.RebalanceTimeout);
            writer.WriteInt32(member.SessionTimeout);
            writer.WriteBytes(member.Subscription.Span, flexible);
            writer.WriteBytes(member.Assignment.Span, flexible);
            if (flexible)
                writer.WriteEmptyTaggedFields();
        }
        if (flexible)
            writer.WriteEmptyTaggedFields();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a key: an <see cref="OffsetCommitKey"/> (versions 0, 1), a group id (version 2) or a
    /// <see cref="ConsumerGroupRecordKey"/> (versions 3–8). Throws
    /// <see cref="InvalidDataException"/> for another version or truncated bytes.</summary>
    public static object DecodeKey(ReadOnlyMemory<byte> key)
    {
        var reader = new KafkaReader(key);
        try
        {
            short version = reader.ReadInt16();
            return version switch
            {
                0 or 1 => new OffsetCommitKey(reader.ReadString(), reader.ReadString(), reader.ReadInt32()),
                2 => reader.ReadString(),
                >= ConsumerGroupRecordType.Metadata and <= ConsumerGroupRecordType.CurrentMemberAssignment => ConsumerGroupKey(version, ref reader),
                _ => throw new InvalidDataException($"unknown {TopicName} key version {version}"),
            };
        }
        catch (MalformedMessageException ex)
        {
            throw new InvalidDataException($"truncated or malformed {TopicName} key", ex);
        }
    }

    public static OffsetCommitValue DecodeOffsetValue(ReadOnlyMemory<byte> value)
    {
        var reader = new KafkaReader(value);
        try
        {
            short version = reader.ReadInt16();
            if (version is < 0 or > 4)
                throw new InvalidDataException($"unknown offset commit value version {version}");
            bool flexible = version >= 4;
            long offset = reader.ReadInt64();
            int epoch = version >= 3 ? reader.ReadInt32() : -1;
            string metadata = reader.ReadString(flexible);
            long commit = reader.ReadInt64();
            long expire = version == 1 ? reader.ReadInt64() : -1;
            return new OffsetCommitValue(offset, epoch, metadata, commit, expire);
        }
        catch (MalformedMessageException ex)
        {
            throw new InvalidDataException("truncated or malformed offset commit value", ex);
        }
    }

    public static GroupMetadataValue DecodeGroupValue(ReadOnlyMemory<byte> value)
    {
        var reader = new KafkaReader(value);
        try
        {
            short version = reader.ReadInt16();
            if (version is < 0 or > 4)
                throw new InvalidDataException($"unknown group metadata value version {version}");
            bool flexible = version >= 4;
            string protocolType = reader.ReadString(flexible);
            int generation = reader.ReadInt32();
            string? protocol = reader.ReadNullableString(flexible);
            string? leader = reader.ReadNullableString(flexible);
            long stateTimestamp = version >= 2 ? reader.ReadInt64() : -1;
            int count = reader.ReadArrayLength(flexible);
            var members = new List<GroupMetadataMember>(Math.Max(count, 0));
            for (int i = 0; i < count; i++)
            {
                string memberId = reader.ReadString(flexible);
                string? instanceId = version >= 3 ? reader.ReadNullableString(flexible) : null;
                string clientId = reader.ReadString(flexible);
                string clientHost = reader.ReadString(flexible);
                int rebalanceTimeout = version >= 1 ? reader.ReadInt32() : -1;
                int sessionTimeout = reader.ReadInt32();
                var subscription = reader.ReadBytes(flexible).ToArray();
                var assignment = reader.ReadBytes(flexible).ToArray();
                if (flexible)
                    reader.SkipTaggedFields();
                members.Add(new GroupMetadataMember(memberId, instanceId, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment));
            }
            return new GroupMetadataValue(protocolType, generation, protocol, leader, stateTimestamp, members);
        }
        catch (MalformedMessageException ex)
        {
            throw new InvalidDataException("truncated or malformed group metadata value", ex);
        }
    }

    // Consumer-protocol (KIP-848) group records: keys are not flexible (version int16, group, and member id for
    // member records); values are version 0 and flexible (compact strings and arrays, a tagged-field section after
    // every struct). Optional tagged fields later Kafka versions added are not written and are skipped when read.

    private static ConsumerGroupRecordKey ConsumerGroupKey(short type, ref KafkaReader reader)
    {
        string group = reader.ReadString();
        string? member = ConsumerGroupRecordType.IsMemberRecord(type) ? reader.ReadString() : null;
        return new ConsumerGroupRecordKey(type, group, member);
    }

    public static byte[] EncodeKey(ConsumerGroupRecordKey key)
    {
        if (key.Type is < ConsumerGroupRecordType.Metadata or > ConsumerGroupRecordType.CurrentMemberAssignment)
            throw new ArgumentOutOfRangeException(nameof(key), key.Type, "consumer group records have key versions 3 to 8");
        using var buffer = new PooledBufferWriter(64);
        var writer = new KafkaWriter(buffer);
        writer.WriteInt16(key.Type);
        writer.WriteString(key.Group);
        if (ConsumerGroupRecordType.IsMemberRecord(key.Type))
            writer.WriteString(key.MemberId ?? throw new ArgumentException("a member record needs a member id", nameof(key)));
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeValue(ConsumerGroupMetadataValue value) =>
        Flexible(writer => writer.WriteInt32(value.Epoch));

    public static byte[] EncodeValue(ConsumerGroupTargetAssignmentMetadataValue value) =>
        Flexible(writer => writer.WriteInt32(value.AssignmentEpoch));

    public static byte[] EncodeValue(ConsumerGroupTargetAssignmentMemberValue value) =>
        Flexible(writer => WriteTopicPartitions(writer, value.TopicPartitions));

    public static byte[] EncodeValue(ConsumerGroupMemberMetadataValue value) => Flexible(writer =>
    {
        writer.WriteNullableString(value.InstanceId, true);
        writer.WriteNullableString(value.RackId, true);
        writer.WriteString(value.ClientId, true);
        writer.WriteString(value.ClientHost, true);
        writer.WriteArrayLength(value.SubscribedTopicNames.Count, true);
        foreach (string topic in value.SubscribedTopicNames)
            writer.WriteString(topic, true);
        writer.WriteNullableString(value.SubscribedTopicRegex, true);
        writer.WriteInt32(value.RebalanceTimeoutMs);
        writer.WriteNullableString(value.ServerAssignor, true);
    });

    public static byte[] EncodeValue(ConsumerGroupCurrentMemberAssignmentValue value) => Flexible(writer =>
    {
        writer.WriteInt32(value.MemberEpoch);
        writer.WriteInt32(value.PreviousMemberEpoch);
        writer.WriteInt8(value.State);
        WriteTopicPartitions(writer, value.AssignedPartitions);
        WriteTopicPartitions(writer, value.PartitionsPendingRevocation);
    });

    /// <summary>Decodes the value of a consumer group record of type <paramref name="type"/> (a key version 3–8); null
    /// for the partition metadata record, which this broker does not use.</summary>
    public static object? DecodeConsumerGroupValue(short type, ReadOnlyMemory<byte> value)
    {
        var reader = new KafkaReader(value);
        try
        {
            short version = reader.ReadInt16();
            if (version != 0)
                throw new InvalidDataException($"unknown value version {version} of consumer group record type {type}");
            object? decoded = type switch
            {
                ConsumerGroupRecordType.Metadata => new ConsumerGroupMetadataValue(reader.ReadInt32()),
                ConsumerGroupRecordType.PartitionMetadata => null,
                ConsumerGroupRecordType.MemberMetadata => ReadMemberMetadata(ref reader),
                ConsumerGroupRecordType.TargetAssignmentMetadata => new ConsumerGroupTargetAssignmentMetadataValue(reader.ReadInt32()),
                ConsumerGroupRecordType.TargetAssignmentMember => new ConsumerGroupTargetAssignmentMemberValue(ReadTopicPartitions(ref reader)),
                ConsumerGroupRecordType.CurrentMemberAssignment => new ConsumerGroupCurrentMemberAssignmentValue(reader.ReadInt32(), reader.ReadInt32(),
                    reader.ReadInt8(), ReadTopicPartitions(ref reader), ReadTopicPartitions(ref reader)),
                _ => throw new InvalidDataException($"unknown consumer group record type {type}"),
            };
            if (decoded is not null)
                reader.SkipTaggedFields();
            return decoded;
        }
        catch (MalformedMessageException ex)
        {
            throw new InvalidDataException($"truncated or malformed value of consumer group record type {type}", ex);
        }
    }

    private static ConsumerGroupMemberMetadataValue ReadMemberMetadata(ref KafkaReader reader)
    {
        string? instance = reader.ReadNullableString(true);
        string? rack = reader.ReadNullableString(true);
        string clientId = reader.ReadString(true);
        string clientHost = reader.ReadString(true);
        int count = reader.ReadArrayLength(true);
        var topics = new List<string>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
            topics.Add(reader.ReadString(true));
        string? regex = reader.ReadNullableString(true);
        int rebalanceTimeout = reader.ReadInt32();
        string? assignor = reader.ReadNullableString(true);
        return new ConsumerGroupMemberMetadataValue(instance, rack, clientId, clientHost, topics, regex, rebalanceTimeout, assignor);
    }

    private static void WriteTopicPartitions(KafkaWriter writer, IReadOnlyList<TopicIdPartitions> topics)
    {
        writer.WriteArrayLength(topics.Count, true);
        foreach (var topic in topics)
        {
            writer.WriteUuid(topic.TopicId);
            writer.WriteArrayLength(topic.Partitions.Count, true);
            foreach (int partition in topic.Partitions)
                writer.WriteInt32(partition);
            writer.WriteEmptyTaggedFields();
        }
    }

    private static List<TopicIdPartitions> ReadTopicPartitions(ref KafkaReader reader)
    {
        int count = reader.ReadArrayLength(true, minElementSize: 18);
        var topics = new List<TopicIdPartitions>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
        {
            var id = reader.ReadUuid();
            int partitions = reader.ReadArrayLength(true, minElementSize: 4);
            var list = new List<int>(Math.Max(partitions, 0));
            for (int p = 0; p < partitions; p++)
                list.Add(reader.ReadInt32());
            reader.SkipTaggedFields();
            topics.Add(new TopicIdPartitions(id, list));
        }
        return topics;
    }

    private delegate void BodyWriter(KafkaWriter writer);

    private static byte[] Flexible(BodyWriter body)
    {
        using var buffer = new PooledBufferWriter(128);
        var writer = new KafkaWriter(buffer);
        writer.WriteInt16(0);
        body(writer);
        writer.WriteEmptyTaggedFields();
        return buffer.WrittenSpan.ToArray();
    }
}
