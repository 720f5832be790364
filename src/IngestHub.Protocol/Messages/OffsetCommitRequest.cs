using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>OffsetCommit request (key 8), v0–7.</summary>
public sealed class OffsetCommitRequest : IKafkaMessage<OffsetCommitRequest>
{
    public static ApiKey ApiKey => ApiKey.OffsetCommit;
    public static short MinVersion => 0;
    public static short MaxVersion => 7;

    public string GroupId { get; set; } = "";
    /// <summary>v1+; -1 for a commit from outside any group generation.</summary>
    public int GenerationId { get; set; } = -1;
    /// <summary>v1+.</summary>
    public string MemberId { get; set; } = "";
    /// <summary>v7+.</summary>
    public string? GroupInstanceId { get; set; }
    /// <summary>v2–4 only; -1 means the broker's default retention.</summary>
    public long RetentionTimeMs { get; set; } = -1;
    public List<Topic> Topics { get; set; } = [];

    public sealed class Topic
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];
    }

    public sealed class Partition
    {
        public int PartitionIndex { get; set; }
        public long CommittedOffset { get; set; }
        /// <summary>v6+.</summary>
        public int CommittedLeaderEpoch { get; set; } = -1;
        /// <summary>v1 only.</summary>
        public long CommitTimestamp { get; set; } = -1;
        public string? CommittedMetadata { get; set; }
    }

    public static OffsetCommitRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new OffsetCommitRequest { GroupId = reader.ReadString() };
        if (version >= 1)
        {
            message.GenerationId = reader.ReadInt32();
            message.MemberId = reader.ReadString();
        }
        if (version >= 7)
            message.GroupInstanceId = reader.ReadNullableString();
        if (version is >= 2 and <= 4)
            message.RetentionTimeMs = reader.ReadInt64();

        int partitionSize = 4 + 8 + 2 + (version >= 6 ? 4 : 0) + (version == 1 ? 8 : 0);
        int topicCount = reader.ReadArrayLength(false, minElementSize: 2 + 4);
        var topics = new List<Topic>(Math.Max(topicCount, 0));
        for (int t = 0; t < topicCount; t++)
        {
            var topic = new Topic { Name = reader.ReadString() };
            int partitionCount = reader.ReadArrayLength(false, partitionSize);
            var partitions = new List<Partition>(Math.Max(partitionCount, 0));
            for (int p = 0; p < partitionCount; p++)
            {
                var partition = new Partition
                {
                    PartitionIndex = reader.ReadInt32(),
                    CommittedOffset = reader.ReadInt64(),
                };
                if (version >= 6)
                    partition.CommittedLeaderEpoch = reader.ReadInt32();
                if (version == 1)
                    partition.CommitTimestamp = reader.ReadInt64();
                partition.CommittedMetadata = reader.ReadNullableString();
                partitions.Add(partition);
            }
            topic.Partitions = partitions;
            topics.Add(topic);
        }
        message.Topics = topics;
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        writer.WriteString(GroupId);
        if (version >= 1)
        {
            writer.WriteInt32(GenerationId);
            writer.WriteString(MemberId);
        }
        if (version >= 7)
            writer.WriteNullableString(GroupInstanceId);
        if (version is >= 2 and <= 4)
            writer.WriteInt64(RetentionTimeMs);
        writer.WriteArrayLength(Topics.Count, false);
        foreach (var topic in Topics)
        {
            writer.WriteString(topic.Name);
            writer.WriteArrayLength(topic.Partitions.Count, false);
            foreach (var partition in topic.Partitions)
            {
                writer.WriteInt32(partition.PartitionIndex);
                writer.WriteInt64(partition.CommittedOffset);
                if (version >= 6)
                    writer.WriteInt32(partition.CommittedLeaderEpoch);
                if (version == 1)
                    writer.WriteInt64(partition.CommitTimestamp);
                writer.WriteNullableString(partition.CommittedMetadata);
            }
        }
    }
}
