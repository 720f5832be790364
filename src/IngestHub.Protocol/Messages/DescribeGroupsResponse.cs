using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>DescribeGroups response (key 15), v0–4.</summary>
public sealed class DescribeGroupsResponse : IKafkaMessage<DescribeGroupsResponse>
{
    public static ApiKey ApiKey => ApiKey.DescribeGroups;
    public static short MinVersion => 0;
    public static short MaxVersion => 4;

    /// <summary>v1+.</summary>
    public int ThrottleTimeMs { get; set; }
    public List<Group> Groups { get; set; } = [];

    public sealed class Group
    {
        public ErrorCode ErrorCode { get; set; }
        public string GroupId { get; set; } = "";
        /// <summary>"Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead", or "".</summary>
        public string GroupState { get; set; } = "";
        public string ProtocolType { get; set; } = "";
        /// <summary>The chosen assignor name when stable, else "".</summary>
        public string ProtocolData { get; set; } = "";
        public List<Member> Members { get; set; } = [];
        /// <summary>v3+; int.MinValue when not requested.</summary>
        public int AuthorizedOperations { get; set; } = int.MinValue;
    }

    public sealed class Member
    {
        public string MemberId { get; set; } = "";
        /// <summary>v4+.</summary>
        public string? GroupInstanceId { get; set; }
        public string ClientId { get; set; } = "";
        public string ClientHost { get; set; } = "";
        public ReadOnlyMemory<byte> MemberMetadata { get; set; }
        public ReadOnlyMemory<byte> MemberAssignment { get; set; }
    }

    public static DescribeGroupsResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new DescribeGroupsResponse();
        if (version >= 1)
            message.ThrottleTimeMs = reader.ReadInt32();
        int groupSize = 2 + 2 + 2 + 2 + 2 + 4 + (version >= 3 ? 4 : 0);
        int memberSize = 2 + 2 + 2 + 4 + 4 + (version >= 4 ? 2 : 0);
        int groupCount = reader.ReadArrayLength(false, groupSize);
        var groups = new List<Group>(Math.Max(groupCount, 0));
        for (int g = 0; g < groupCount; g++)
        {
            var group = new Group
            {
                ErrorCode = (ErrorCode)reader.ReadInt16(),
                GroupId = reader.ReadString(),
                GroupState = reader.ReadString(),
                ProtocolType = reader.ReadString(),
                ProtocolData = reader.ReadString(),
            };
            int memberCount = reader.ReadArrayLength(false, memberSize);
            var members = new List<Member>(Math.Max(memberCount, 0));
            for (int m = 0; m < memberCount; m++)
            {
                var member = new Member { MemberId = reader.ReadString() };
                if (version >= 4)
                    member.GroupInstanceId = reader.ReadNullableString();
                member.ClientId = reader.ReadString();
                member.ClientHost = reader.ReadString();
                member.MemberMetadata = reader.ReadBytes();
                member.MemberAssignment = reader.ReadBytes();
                members.Add(member);
            }
            group.Members = members;
            if (version >= 3)
                group.AuthorizedOperations = reader.ReadInt32();
            groups.Add(group);
        }
        message.Groups = groups;
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        if (version >= 1)
            writer.WriteInt32(ThrottleTimeMs);
        writer.WriteArrayLength(Groups.Count, false);
        foreach (var group in Groups)
        {
            writer.WriteInt16((short)group.ErrorCode);
            writer.WriteString(group.GroupId);
            writer.WriteString(group.GroupState);
            writer.WriteString(group.ProtocolType);
            writer.WriteString(group.ProtocolData);
            writer.WriteArrayLength(group.Members.Count, false);
            foreach (var member in group.Members)
            {
                writer.WriteString(member.MemberId);
                if (version >= 4)
                    writer.WriteNullableString(member.GroupInstanceId);
                writer.WriteString(member.ClientId);
                writer.WriteString(member.ClientHost);
                writer.WriteBytes(member.MemberMetadata.Span);
                writer.WriteBytes(member.MemberAssignment.Span);
            }
            if (version >= 3)
                writer.WriteInt32(group.AuthorizedOperations);
        }
    }
}
