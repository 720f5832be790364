using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>DeleteTopics response v0–v3.</summary>
public sealed class DeleteTopicsResponse : IKafkaMessage<DeleteTopicsResponse>
{
    public static ApiKey ApiKey => ApiKey.DeleteTopics;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public int ThrottleTimeMs { get; set; }
    public List<TopicResult> Topics { get; set; } = [];

    public static DeleteTopicsResponse Read(ref KafkaReader reader, short version)
    {
        var response = new DeleteTopicsResponse();
        if (version >= 1)
            response.ThrottleTimeMs = reader.ReadInt32();
        response.Topics = WireArrays.Read<TopicResult>(ref reader, version, 4);
        return response;
    }

    public void Write(KafkaWriter writer, short version)
    {
        if (version >= 1)
            writer.WriteInt32(ThrottleTimeMs);
        WireArrays.Write(writer, Topics, version);
    }

    public sealed class TopicResult : IWireElement<TopicResult>
    {
        public string Name { get; set; } = "";
        public ErrorCode ErrorCode { get; set; }

        static TopicResult IWireElement<TopicResult>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
        };

        void IWireElement<TopicResult>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            writer.WriteInt16((short)ErrorCode);
        }
    }
}
