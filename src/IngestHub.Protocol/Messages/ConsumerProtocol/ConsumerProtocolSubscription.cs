using System.Buffers;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages.ConsumerProtocol;

/// <summary>
/// The member metadata of the "consumer" protocol type, carried as bytes in JoinGroup: what a member
/// subscribes to and what it owns. A newer version is read with the newest layout known here and its
/// trailing fields ignored, as every consumer protocol version only appends fields.
/// </summary>
public sealed class ConsumerProtocolSubscription
{
    /// <summary>Newest version whose fields are known.</summary>
    public const short LatestVersion = 3;

    /// <summary>The version found on the wire (may exceed <see cref="LatestVersion"/>).</summary>
    public short Version { get; set; }
    public List<string> Topics { get; set; } = [];
    public ReadOnlyMemory<byte>? UserData { get; set; }
    /// <summary>v1+; what the member held before this rebalance (cooperative assignors).</summary>
    public List<TopicPartitions> OwnedPartitions { get; set; } = [];
    /// <summary>v2+.</summary>
    public int GenerationId { get; set; } = -1;
    /// <summary>v3+.</summary>
    public string? RackId { get; set; }

    public sealed class TopicPartitions
    {
        public string Topic { get; set; } = "";
        public List<int> Partitions { get; set; } = [];
    }

    /// <summary>Decodes member metadata; user data is a slice of <paramref name="bytes"/>.</summary>
    public static ConsumerProtocolSubscription Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new KafkaReader(bytes);
        short version = reader.ReadInt16();
        if (version < 0)
            throw new MalformedMessageException($"consumer subscription version {version} is negative");
        var message = new ConsumerProtocolSubscription { Version = version };
        int topicCount = reader.ReadArrayLength(false, minElementSize: 2);
        var topics = new List<string>(Math.Max(topicCount, 0));
        for (int i = 0; i < topicCount; i++)
            topics.Add(reader.ReadString());
        message.Topics = topics;
        message.UserData = reader.ReadNullableBytes();
        if (version >= 1)
            message.OwnedPartitions = ReadTopicPartitions(ref reader);
        if (version >= 2)
            message.GenerationId = reader.ReadInt32();
        if (version >= 3)
            message.RackId = reader.ReadNullableString();
        return message;
    }

    /// <summary>Encodes at <paramref name="version"/> (0..<see cref="LatestVersion"/>); fields it lacks are left out.</summary>
    public void Write(IBufferWriter<byte> output, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, LatestVersion);
        var writer = new KafkaWriter(output);
        writer.WriteInt16(version);
        writer.WriteArrayLength(Topics.Count, false);
        foreach (string topic in Topics)
            writer.WriteString(topic);
        writer.WriteNullableBytes(UserData);
        if (version >= 1)
            WriteTopicPartitions(writer, OwnedPartitions);
        if (version >= 2)
            writer.WriteInt32(GenerationId);
        if (version >= 3)
            writer.WriteNullableString(RackId);
    }

    internal static List<TopicPartitions> ReadTopicPartitions(ref KafkaReader reader)
    {
        int count = reader.ReadArrayLength(false, minElementSize: 2 + 4);
        var result = new List<TopicPartitions>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
        {
            var entry = new TopicPartitions { Topic = reader.ReadString() };
            int partitionCount = reader.ReadArrayLength(false, minElementSize: 4);
            var partitions = new List<int>(Math.Max(partitionCount, 0));
            for (int p = 0; p < partitionCount; p++)
                partitions.Add(reader.ReadInt32());
            entry.Partitions = partitions;
            result.Add(entry);
        }
        return result;
    }

    internal static void WriteTopicPartitions(KafkaWriter writer, List<TopicPartitions> entries)
    {
        writer.WriteArrayLength(entries.Count, false);
        foreach (var entry in entries)
        {
            writer.WriteString(entry.Topic);
            writer.WriteArrayLength(entry.Partitions.Count, false);
            foreach (int partition in entry.Partitions)
                writer.WriteInt32(partition);
        }
    }
}
