using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>OffsetFetch response (key 9), v0–5. A partition without a committed offset reports -1.</summary>
public sealed class OffsetFetchResponse : IKafkaMessage<OffsetFetchResponse>
{
    public static ApiKey ApiKey => ApiKey.OffsetFetch;
    public static short MinVersion => 0;
    public static short MaxVersion => 5;

    /// <summary>v3+.</summary>
    public int ThrottleTimeMs { get; set; }
    public List<Topic> Topics { get; set; } = [];
    /// <summary>v2+ top-level error (e.g. NOT_COORDINATOR).</summary>
    public ErrorCode ErrorCode { get; set; }

    public sealed class Topic
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];
    }

    public sealed class Partition
    {
        public int PartitionIndex { get; set; }
        public long CommittedOffset { get; set; } = -1;
        /// <summary>v5+.</summary>
        public int CommittedLeaderEpoch { get; set; } = -1;
        public string? Metadata { get; set; }
        public ErrorCode ErrorCode { get; set; }
    }

    public static OffsetFetchResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new OffsetFetchResponse();
        if (version >= 3)
            message.ThrottleTimeMs = reader.ReadInt32();
        int partitionSize = 4 + 8 + 2 + 2 + (version >= 5 ? 4 : 0);
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
                if (version >= 5)
                    partition.CommittedLeaderEpoch = reader.ReadInt32();
                partition.Metadata = reader.ReadNullableString();
                partition.ErrorCode = (ErrorCode)reader.ReadInt16();
                partitions.Add(partition);
            }
            topic.Partitions = partitions;
            topics.Add(topic);
        }
        message.Topics = topics;
        if (version >= 2)
            message.ErrorCode = (ErrorCode)reader.ReadInt16();
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        if (version >= 3)
            writer.WriteInt32(ThrottleTimeMs);
        writer.WriteArrayLength(Topics.Count, false);
        foreach (var topic in Topics)
        {
            writer.WriteString(topic.Name);
            writer.WriteArrayLength(topic.Partitions.Count, false);
            foreach (var partition in topic.Partitions)
            {
                writer.WriteInt32(partition.PartitionIndex);
                writer.WriteInt64(partition.CommittedOffset);
                if (version >= 5)
                    writer.WriteInt32(partition.CommittedLeaderEpoch);
                writer.WriteNullableString(partition.Metadata);
                writer.WriteInt16((short)partition.ErrorCode);
            }
        }
        if (version >= 2)
            writer.WriteInt16((short)ErrorCode);
    }
}
