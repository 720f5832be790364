using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>Heartbeat response (key 12), v0–3. REBALANCE_IN_PROGRESS tells the member to rejoin.</summary>
public sealed class HeartbeatResponse : IKafkaMessage<HeartbeatResponse>
{
    public static ApiKey ApiKey => ApiKey.Heartbeat;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    /// <summary>v1+.</summary>
    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }

    public static HeartbeatResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new HeartbeatResponse();
        if (version >= 1)
            message.ThrottleTimeMs = reader.ReadInt32();
        message.ErrorCode = (ErrorCode)reader.ReadInt16();
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        if (version >= 1)
            writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
    }
}
