using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>OffsetCommit response (key 8), v0–7: one error code per committed partition.</summary>
public sealed class OffsetCommitResponse : IKafkaMessage<OffsetCommitResponse>
{
    public static ApiKey ApiKey => ApiKey.OffsetCommit;
    public static short MinVersion => 0;
    public static short MaxVersion => 7;

    /// <summary>v3+.</summary>
    public int ThrottleTimeMs { get; set; }
    public List<Topic> Topics { get; set; } = [];

    public sealed class Topic
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];
    }

    public sealed class Partition
    {
        public int PartitionIndex { get; set; }
        public ErrorCode ErrorCode { get; set; }
    }

    public static OffsetCommitResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new OffsetCommitResponse();
        if (version >= 3)
            message.ThrottleTimeMs = reader.ReadInt32();
        int topicCount = reader.ReadArrayLength(false, minElementSize: 2 + 4);
        var topics = new List<Topic>(Math.Max(topicCount, 0));
        for (int t = 0; t < topicCount; t++)
        {
            var topic = new Topic { Name = reader.ReadString() };
            int partitionCount = reader.ReadArrayLength(false, minElementSize: 4 + 2);
            var partitions = new List<Partition>(Math.Max(partitionCount, 0));
            for (int p = 0; p < partitionCount; p++)
                partitions.Add(new Partition { PartitionIndex = reader.ReadInt32(), ErrorCode = (ErrorCode)reader.ReadInt16() });
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
                writer.WriteInt16((short)partition.ErrorCode);
            }
        }
    }
}
