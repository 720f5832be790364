using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>JoinGroup request (key 11), v0–5.</summary>
public sealed class JoinGroupRequest : IKafkaMessage<JoinGroupRequest>
{
    public static ApiKey ApiKey => ApiKey.JoinGroup;
    public static short MinVersion => 0;
    public static short MaxVersion => 5;

    public string GroupId { get; set; } = "";
    public int SessionTimeoutMs { get; set; }
    /// <summary>v1+; -1 when absent, meaning the session timeout applies.</summary>
    public int RebalanceTimeoutMs { get; set; } = -1;
    public string MemberId { get; set; } = "";
    /// <summary>v5+; static membership.</summary>
    public string? GroupInstanceId { get; set; }
    public string ProtocolType { get; set; } = "";
    public List<Protocol> Protocols { get; set; } = [];

    /// <summary>One assignment protocol the member supports, with its subscription metadata.</summary>
    public sealed class Protocol
    {
        public string Name { get; set; } = "";
        public ReadOnlyMemory<byte> Metadata { get; set; }
    }

    public static JoinGroupRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new JoinGroupRequest
        {
            GroupId = reader.ReadString(),
            SessionTimeoutMs = reader.ReadInt32(),
        };
        if (version >= 1)
            message.RebalanceTimeoutMs = reader.ReadInt32();
        message.MemberId = reader.ReadString();
        if (version >= 5)
            message.GroupInstanceId = reader.ReadNullableString();
        message.ProtocolType = reader.ReadString();
        int count = reader.ReadArrayLength(false, minElementSize: 2 + 4);
        var protocols = new List<Protocol>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
            protocols.Add(new Protocol { Name = reader.ReadString(), Metadata = reader.ReadBytes() });
        message.Protocols = protocols;
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        writer.WriteString(GroupId);
        writer.WriteInt32(SessionTimeoutMs);
        if (version >= 1)
            writer.WriteInt32(RebalanceTimeoutMs);
        writer.WriteString(MemberId);
        if (version >= 5)
            writer.WriteNullableString(GroupInstanceId);
        writer.WriteString(ProtocolType);
        writer.WriteArrayLength(Protocols.Count, false);
        foreach (var protocol in Protocols)
        {
            writer.WriteString(protocol.Name);
            writer.WriteBytes(protocol.Metadata.Span);
        }
    }
}
