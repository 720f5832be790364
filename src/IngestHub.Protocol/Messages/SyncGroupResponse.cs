using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>SyncGroup response (key 14), v0–3: this member's assignment.</summary>
public sealed class SyncGroupResponse : IKafkaMessage<SyncGroupResponse>
{
    public static ApiKey ApiKey => ApiKey.SyncGroup;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    /// <summary>v1+.</summary>
    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public ReadOnlyMemory<byte> Assignment { get; set; }

    public static SyncGroupResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new SyncGroupResponse();
        if (version >= 1)
            message.ThrottleTimeMs = reader.ReadInt32();
        message.ErrorCode = (ErrorCode)reader.ReadInt16();
        message.Assignment = reader.ReadBytes();
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        if (version >= 1)
            writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
        writer.WriteBytes(Assignment.Span);
    }
}
