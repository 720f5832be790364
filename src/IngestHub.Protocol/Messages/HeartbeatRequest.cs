using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>Heartbeat request (key 12), v0–3.</summary>
public sealed class HeartbeatRequest : IKafkaMessage<HeartbeatRequest>
{
    public static ApiKey ApiKey => ApiKey.Heartbeat;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public string GroupId { get; set; } = "";
    public int GenerationId { get; set; }
    public string MemberId { get; set; } = "";
    /// <summary>v3+.</summary>
    public string? GroupInstanceId { get; set; }

    public static HeartbeatRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new HeartbeatRequest
        {
            GroupId = reader.ReadString(),
            GenerationId = reader.ReadInt32(),
            MemberId = reader.ReadString(),
        };
        if (version >= 3)
            message.GroupInstanceId = reader.ReadNullableString();
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        writer.WriteString(GroupId);
        writer.WriteInt32(GenerationId);
        writer.WriteString(MemberId);
        if (version >= 3)
            writer.WriteNullableString(GroupInstanceId);
    }
}
