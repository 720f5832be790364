using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>DescribeGroups request (key 15), v0–4.</summary>
public sealed class DescribeGroupsRequest : IKafkaMessage<DescribeGroupsRequest>
{
    public static ApiKey ApiKey => ApiKey.DescribeGroups;
    public static short MinVersion => 0;
    public static short MaxVersion => 4;

    public List<string> Groups { get; set; } = [];
    /// <summary>v3+.</summary>
    public bool IncludeAuthorizedOperations { get; set; }

    public static DescribeGroupsRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new DescribeGroupsRequest();
        int count = reader.ReadArrayLength(false, minElementSize: 2);
        var groups = new List<string>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
            groups.Add(reader.ReadString());
        message.Groups = groups;
        if (version >= 3)
            message.IncludeAuthorizedOperations = reader.ReadBoolean();
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        writer.WriteArrayLength(Groups.Count, false);
        foreach (string group in Groups)
            writer.WriteString(group);
        if (version >= 3)
            writer.WriteBoolean(IncludeAuthorizedOperations);
    }
}
