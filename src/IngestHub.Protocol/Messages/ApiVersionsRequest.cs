using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>ApiVersions request v0–v3; v3 is flexible and names the client software.</summary>
public sealed class ApiVersionsRequest : IKafkaMessage<ApiVersionsRequest>
{
    public static ApiKey ApiKey => ApiKey.ApiVersions;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public string ClientSoftwareName { get; set; } = "";
    public string ClientSoftwareVersion { get; set; } = "";

    public static ApiVersionsRequest Read(ref KafkaReader reader, short version)
    {
        var request = new ApiVersionsRequest();
        if (version >= 3)
        {
            request.ClientSoftwareName = reader.ReadCompactString();
            request.ClientSoftwareVersion = reader.ReadCompactString();
            reader.SkipTaggedFields();
        }
        return request;
    }

    public void Write(KafkaWriter writer, short version)
    {
        if (version >= 3)
        {
            writer.WriteCompactNullableString(ClientSoftwareName);
            writer.WriteCompactNullableString(ClientSoftwareVersion);
            writer.WriteEmptyTaggedFields();
        }
    }
}
