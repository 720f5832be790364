using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>CreateTopics response v0–v4.</summary>
public sealed class CreateTopicsResponse : IKafkaMessage<CreateTopicsResponse>
{
    public static ApiKey ApiKey => ApiKey.CreateTopics;
    public static short MinVersion => 0;
    public static short MaxVersion => 4;

    public int ThrottleTimeMs { get; set; }
    public List<TopicResult> Topics { get; set; } = [];

    public static CreateTopicsResponse Read(ref KafkaReader reader, short version)
    {
        var response = new CreateTopicsResponse();
        if (version >= 2)
            response.ThrottleTimeMs = reader.ReadInt32();
        response.Topics = WireArrays.Read<TopicResult>(ref reader, version, 4);
        return response;
    }

    public void Write(KafkaWriter writer, short version)
    {
        if (version >= 2)
            writer.WriteInt32(ThrottleTimeMs);
        WireArrays.Write(writer, Topics, version);
    }

    public sealed class TopicResult : IWireElement<TopicResult>
    {
        public string Name { get; set; } = "";
        public ErrorCode ErrorCode { get; set; }
        public string? ErrorMessage { get; set; }

        static TopicResult IWireElement<TopicResult>.Read(ref KafkaReader reader, short version)
        {
            var result = new TopicResult { Name = reader.ReadString(), ErrorCode = (ErrorCode)reader.ReadInt16() };
            if (version >= 1)
                result.ErrorMessage = reader.ReadNullableString();
            return result;
        }

        void IWireElement<TopicResult>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            writer.WriteInt16((short)ErrorCode);
            if (version >= 1)
                writer.WriteNullableString(ErrorMessage);
        }
    }
}
