using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>SaslHandshake request v0–v1.</summary>
public sealed class SaslHandshakeRequest : IKafkaMessage<SaslHandshakeRequest>
{
    public static ApiKey ApiKey => ApiKey.SaslHandshake;
    public static short MinVersion => 0;
    public static short MaxVersion => 1;

    public string Mechanism { get; set; } = "";

    public static SaslHandshakeRequest Read(ref KafkaReader reader, short version) => new() { Mechanism = reader.ReadString() };

    public void Write(KafkaWriter writer, short version) => writer.WriteString(Mechanism);
}
