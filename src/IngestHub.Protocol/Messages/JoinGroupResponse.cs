using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>JoinGroup response (key 11), v0–5. Only the leader receives a non-empty member list.</summary>
public sealed class JoinGroupResponse : IKafkaMessage<JoinGroupResponse>
{
    public static ApiKey ApiKey => ApiKey.JoinGroup;
    public static short MinVersion => 0;
    public static short MaxVersion => 5;

    /// <summary>v2+.</summary>
    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public int GenerationId { get; set; } = -1;
    public string ProtocolName { get; set; } = "";
    public string Leader { get; set; } = "";
    public string MemberId { get; set; } = "";
    public List<Member> Members { get; set; } = [];

    public sealed class Member
    {
        public string MemberId { get; set; } = "";
        /// <summary>v5+.</summary>
        public string? GroupInstanceId { get; set; }
        public ReadOnlyMemory<byte> Metadata { get; set; }
    }

    public static JoinGroupResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new JoinGroupResponse();
        if (version >= 2)
            message.ThrottleTimeMs = reader.ReadInt32();
        message.ErrorCode = (ErrorCode)reader.ReadInt16();
        message.GenerationId = reader.ReadInt32();
        message.ProtocolName = reader.ReadString();
        message.Leader = reader.ReadString();
        message.MemberId = reader.ReadString();
        int count = reader.ReadArrayLength(false, minElementSize: version >= 5 ? 2 + 2 + 4 : 2 + 4);
        var members = new List<Member>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
        {
            var member = new Member { MemberId = reader.ReadString() };
            if (version >= 5)
                member.GroupInstanceId = reader.ReadNullableString();
            member.Metadata = reader.ReadBytes();
            members.Add(member);
        }
        message.Members = members;
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        if (version >= 2)
            writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
        writer.WriteInt32(GenerationId);
        writer.WriteString(ProtocolName);
        writer.WriteString(Leader);
        writer.WriteString(MemberId);
        writer.WriteArrayLength(Members.Count, false);
        foreach (var member in Members)
        {
            writer.WriteString(member.MemberId);
            if (version >= 5)
                writer.WriteNullableString(member.GroupInstanceId);
            writer.WriteBytes(member.Metadata.Span);
        }
    }
}
