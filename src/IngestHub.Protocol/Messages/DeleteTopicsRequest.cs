using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>DeleteTopics request v0–v3.</summary>
public sealed class DeleteTopicsRequest : IKafkaMessage<DeleteTopicsRequest>
{
    public static ApiKey ApiKey => ApiKey.DeleteTopics;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public List<string> TopicNames { get; set; } = [];
    public int TimeoutMs { get; set; }

    public static DeleteTopicsRequest Read(ref KafkaReader reader, short version) => new()
    {
        TopicNames = WireArrays.ReadStrings(ref reader),
        TimeoutMs = reader.ReadInt32(),
    };

    public void Write(KafkaWriter writer, short version)
    {
        WireArrays.WriteStrings(writer, TopicNames);
        writer.WriteInt32(TimeoutMs);
    }
}
