using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>LeaveGroup request (key 13), v0–3. v0–2 name one member; v3 is a batch of members.</summary>
public sealed class LeaveGroupRequest : IKafkaMessage<LeaveGroupRequest>
{
    public static ApiKey ApiKey => ApiKey.LeaveGroup;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public string GroupId { get; set; } = "";
    /// <summary>v0–2 only.</summary>
    public string MemberId { get; set; } = "";
    /// <summary>v3+.</summary>
    public List<Member> Members { get; set; } = [];

    public sealed class Member
    {
        public string MemberId { get; set; } = "";
        public string? GroupInstanceId { get; set; }
    }

    public static LeaveGroupRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new LeaveGroupRequest { GroupId = reader.ReadString() };
        if (version <= 2)
        {
            message.MemberId = reader.ReadString();
            return message;
        }
        int count = reader.ReadArrayLength(false, minElementSize: 2 + 2);
        var members = new List<Member>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
            members.Add(new Member { MemberId = reader.ReadString(), GroupInstanceId = reader.ReadNullableString() });
        message.Members = members;
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        writer.WriteString(GroupId);
        if (version <= 2)
        {
            writer.WriteString(MemberId);
            return;
        }
        writer.WriteArrayLength(Members.Count, false);
        foreach (var member in Members)
        {
            writer.WriteString(member.MemberId);
            writer.WriteNullableString(member.GroupInstanceId);
        }
    }
}
