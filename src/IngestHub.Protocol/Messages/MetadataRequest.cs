using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>
/// Metadata request v0–v8. <see cref="Topics"/> null means all topics: v1+ sends a null array for that, v0 an
/// empty one (so a v0 empty array reads back as null, and null is written as an empty array at v0).
/// </summary>
public sealed class MetadataRequest : IKafkaMessage<MetadataRequest>
{
    public static ApiKey ApiKey => ApiKey.Metadata;
    public static short MinVersion => 0;
    public static short MaxVersion => 8;

    public List<string>? Topics { get; set; }
    public bool AllowAutoTopicCreation { get; set; } = true;
    public bool IncludeClusterAuthorizedOperations { get; set; }
    public bool IncludeTopicAuthorizedOperations { get; set; }

    public static MetadataRequest Read(ref KafkaReader reader, short version)
    {
        var request = new MetadataRequest { Topics = WireArrays.ReadNullableStrings(ref reader) };
        if (version == 0)
        {
            if (request.Topics is null)
                throw new MalformedMessageException("null topics array in Metadata v0");
            if (request.Topics.Count == 0)
                request.Topics = null;
        }
        if (version >= 4)
            request.AllowAutoTopicCreation = reader.ReadBoolean();
        if (version >= 8)
        {
            request.IncludeClusterAuthorizedOperations = reader.ReadBoolean();
            request.IncludeTopicAuthorizedOperations = reader.ReadBoolean();
        }
        return request;
    }

    public void Write(KafkaWriter writer, short version)
    {
        WireArrays.WriteStrings(writer, version == 0 ? Topics ?? [] : Topics);
        if (version >= 4)
            writer.WriteBoolean(AllowAutoTopicCreation);
        if (version >= 8)
        {
            writer.WriteBoolean(IncludeClusterAuthorizedOperations);
            writer.WriteBoolean(IncludeTopicAuthorizedOperations);
        }
    }
}
