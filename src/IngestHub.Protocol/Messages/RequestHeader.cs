using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>
/// Request header v0–v2. The client id is a NULLABLE_STRING (int16 length) in v1 and v2 alike; v2 adds a
/// tagged-fields section. The header version follows from the api key and version (<see cref="FlexibleVersions"/>).
/// </summary>
public sealed class RequestHeader
{
    public ApiKey ApiKey { get; set; }
    public short ApiVersion { get; set; }
    public int CorrelationId { get; set; }
    public string? ClientId { get; set; }

    public short HeaderVersion => FlexibleVersions.RequestHeaderVersion(ApiKey, ApiVersion);

    public static RequestHeader Read(ref KafkaReader reader, out short headerVersion)
    {
        var header = new RequestHeader
        {
            ApiKey = (ApiKey)reader.ReadInt16(),
            ApiVersion = reader.ReadInt16(),
            CorrelationId = reader.ReadInt32(),
        };
        headerVersion = header.HeaderVersion;
        if (headerVersion >= 1)
            header.ClientId = reader.ReadNullableString();
        if (headerVersion >= 2)
            reader.SkipTaggedFields();
        return header;
    }

    public void Write(KafkaWriter writer)
    {
        short headerVersion = HeaderVersion;
        writer.WriteInt16((short)ApiKey);
        writer.WriteInt16(ApiVersion);
        writer.WriteInt32(CorrelationId);
        if (headerVersion >= 1)
            writer.WriteNullableString(ClientId);
        if (headerVersion >= 2)
            writer.WriteEmptyTaggedFields();
    }
}
