using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>CreatePartitions response v0–v1.</summary>
public sealed class CreatePartitionsResponse : IKafkaMessage<CreatePartitionsResponse>
{
    public static ApiKey ApiKey => ApiKey.CreatePartitions;
    public static short MinVersion => 0;
    public static short MaxVersion => 1;

    public int ThrottleTimeMs { get; set; }
    public List<TopicResult> Results { get; set; } = [];

    public static CreatePartitionsResponse Read(ref KafkaReader reader, short version) => new()
    {
        ThrottleTimeMs = reader.ReadInt32(),
        Results = WireArrays.Read<TopicResult>(ref reader, version, 6),
    };

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteInt32(ThrottleTimeMs);
        WireArrays.Write(writer, Results, version);
    }

    public sealed class TopicResult : IWireElement<TopicResult>
    {
        public string Name { get; set; } = "";
        public ErrorCode ErrorCode { get; set; }
        public string? ErrorMessage { get; set; }

        static TopicResult IWireElement<TopicResult>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            ErrorMessage = reader.ReadNullableString(),
        };

        void IWireElement<TopicResult>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            writer.WriteInt16((short)ErrorCode);
            writer.WriteNullableString(ErrorMessage);
        }
    }
}
