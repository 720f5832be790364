using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>SaslHandshake response v0–v1: an error (UNSUPPORTED_SASL_MECHANISM when SASL is off) and the
/// mechanisms the broker enables.</summary>
public sealed class SaslHandshakeResponse : IKafkaMessage<SaslHandshakeResponse>
{
    public static ApiKey ApiKey => ApiKey.SaslHandshake;
    public static short MinVersion => 0;
    public static short MaxVersion => 1;

    public ErrorCode ErrorCode { get; set; }
    public List<string> Mechanisms { get; set; } = [];

    public static SaslHandshakeResponse Read(ref KafkaReader reader, short version) => new()
    {
        ErrorCode = (ErrorCode)reader.ReadInt16(),
        Mechanisms = WireArrays.ReadStrings(ref reader),
    };

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteInt16((short)ErrorCode);
        WireArrays.WriteStrings(writer, Mechanisms);
    }
}
