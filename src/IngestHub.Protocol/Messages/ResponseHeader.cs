using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>Response header v0 (correlation id) or v1 (correlation id + tagged fields).</summary>
public sealed class ResponseHeader
{
    public int CorrelationId { get; set; }

    public static ResponseHeader Read(ref KafkaReader reader, short headerVersion)
    {
        var header = new ResponseHeader { CorrelationId = reader.ReadInt32() };
        if (headerVersion >= 1)
            reader.SkipTaggedFields();
        return header;
    }

    public void Write(KafkaWriter writer, short headerVersion) => Write(writer, CorrelationId, headerVersion);

    public static void Write(KafkaWriter writer, int correlationId, short headerVersion)
    {
        writer.WriteInt32(correlationId);
        if (headerVersion >= 1)
            writer.WriteEmptyTaggedFields();
    }
}
