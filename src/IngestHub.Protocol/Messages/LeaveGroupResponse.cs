using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>LeaveGroup response (key 13), v0–3; v3 adds one result per leaving member.</summary>
public sealed class LeaveGroupResponse : IKafkaMessage<LeaveGroupResponse>
{
    public static ApiKey ApiKey => ApiKey.LeaveGroup;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    /// <summary>v1+.</summary>
    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    /// <summary>v3+.</summary>
    public List<Member> Members { get; set; } = [];

    public sealed class Member
    {
        public string MemberId { get; set; } = "";
        public string? GroupInstanceId { get; set; }
        public ErrorCode ErrorCode { get; set; }
    }

    public static LeaveGroupResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new LeaveGroupResponse();
        if (version >= 1)
            message.ThrottleTimeMs = reader.ReadInt32();
        message.ErrorCode = (ErrorCode)reader.ReadInt16();
        if (version >= 3)
        {
            int count = reader.ReadArrayLength(false, minElementSize: 2 + 2 + 2);
            var members = new List<Member>(Math.Max(count, 0));
            for (int i = 0; i < count; i++)
            {
                members.Add(new Member
                {
                    MemberId = reader.ReadString(),
                    GroupInstanceId = reader.ReadNullableString(),
                    ErrorCode = (ErrorCode)reader.ReadInt16(),
                });
            }
            message.Members = members;
        }
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        if (version >= 1)
            writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
        if (version < 3)
            return;
        writer.WriteArrayLength(Members.Count, false);
        foreach (var member in Members)
        {
            writer.WriteString(member.MemberId);
            writer.WriteNullableString(member.GroupInstanceId);
            writer.WriteInt16((short)member.ErrorCode);
        }
    }
}
