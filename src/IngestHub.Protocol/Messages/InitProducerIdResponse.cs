using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>InitProducerId response v0–v1.</summary>
public sealed class InitProducerIdResponse : IKafkaMessage<InitProducerIdResponse>
{
    public static ApiKey ApiKey => ApiKey.InitProducerId;
    public static short MinVersion => 0;
    public static short MaxVersion => 1;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public long ProducerId { get; set; } = -1;
    public short ProducerEpoch { get; set; } = -1;

    public static InitProducerIdResponse Read(ref KafkaReader reader, short version) => new()
    {
        ThrottleTimeMs = reader.ReadInt32(),
        ErrorCode = (ErrorCode)reader.ReadInt16(),
        ProducerId = reader.ReadInt64(),
        ProducerEpoch = reader.ReadInt16(),
    };

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
        writer.WriteInt64(ProducerId);
        writer.WriteInt16(ProducerEpoch);
    }
}
