using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>OffsetFetch request (key 9), v0–5.</summary>
public sealed class OffsetFetchRequest : IKafkaMessage<OffsetFetchRequest>
{
    public static ApiKey ApiKey => ApiKey.OffsetFetch;
    public static short MinVersion => 0;
    public static short MaxVersion => 5;

    public string GroupId { get; set; } = "";
    /// <summary>Null (v2+) asks for every partition the group has committed.</summary>
    public List<Topic>? Topics { get; set; } = [];

    public sealed class Topic
    {
        public string Name { get; set; } = "";
        public List<int> PartitionIndexes { get; set; } = [];
    }

    public static OffsetFetchRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new OffsetFetchRequest { GroupId = reader.ReadString() };
        int topicCount = reader.ReadArrayLength(false, minElementSize: 2 + 4);
        if (topicCount < 0)
        {
            if (version < 2)
                throw new MalformedMessageException($"null topic array in OffsetFetch v{version}, which only allows it from v2");
            message.Topics = null;
            return message;
        }
        var topics = new List<Topic>(topicCount);
        for (int t = 0; t < topicCount; t++)
        {
            var topic = new Topic { Name = reader.ReadString() };
            int partitionCount = reader.ReadArrayLength(false, minElementSize: 4);
            var partitions = new List<int>(Math.Max(partitionCount, 0));
            for (int p = 0; p < partitionCount; p++)
                partitions.Add(reader.ReadInt32());
            topic.PartitionIndexes = partitions;
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
        if (Topics is null)
        {
            if (version < 2)
                throw new InvalidOperationException($"OffsetFetch v{version} cannot ask for all topics (null topics needs v2+)");
            writer.WriteArrayLength(-1, false);
            return;
        }
        writer.WriteArrayLength(Topics.Count, false);
        foreach (var topic in Topics)
        {
            writer.WriteString(topic.Name);
            writer.WriteArrayLength(topic.PartitionIndexes.Count, false);
            foreach (int partition in topic.PartitionIndexes)
                writer.WriteInt32(partition);
        }
    }
}
