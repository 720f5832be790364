using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>ListGroups response (key 16), v0–2.</summary>
public sealed class ListGroupsResponse : IKafkaMessage<ListGroupsResponse>
{
    public static ApiKey ApiKey => ApiKey.ListGroups;
    public static short MinVersion => 0;
    public static short MaxVersion => 2;

    /// <summary>v1+.</summary>
    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public List<Group> Groups { get; set; } = [];

    public sealed class Group
    {
        public string GroupId { get; set; } = "";
        public string ProtocolType { get; set; } = "";
    }

    public static ListGroupsResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new ListGroupsResponse();
        if (version >= 1)
            message.ThrottleTimeMs = reader.ReadInt32();
        message.ErrorCode = (ErrorCode)reader.ReadInt16();
        int count = reader.ReadArrayLength(false, minElementSize: 2 + 2);
        var groups = new List<Group>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
            groups.Add(new Group { GroupId = reader.ReadString(), ProtocolType = reader.ReadString() });
        message.Groups = groups;
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        if (version >= 1)
            writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
        writer.WriteArrayLength(Groups.Count, false);
        foreach (var group in Groups)
        {
            writer.WriteString(group.GroupId);
            writer.WriteString(group.ProtocolType);
        }
    }
}
