using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>ListGroups request (key 16), v0–2: an empty body (the states filter arrives in v4).</summary>
public sealed class ListGroupsRequest : IKafkaMessage<ListGroupsRequest>
{
    public static ApiKey ApiKey => ApiKey.ListGroups;
    public static short MinVersion => 0;
    public static short MaxVersion => 2;

    public static ListGroupsRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        return new ListGroupsRequest();
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
    }
}
