using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>FindCoordinator response (key 10), v0–2.</summary>
public sealed class FindCoordinatorResponse : IKafkaMessage<FindCoordinatorResponse>
{
    public static ApiKey ApiKey => ApiKey.FindCoordinator;
    public static short MinVersion => 0;
    public static short MaxVersion => 2;

    /// <summary>v1+.</summary>
    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    /// <summary>v1+.</summary>
    public string? ErrorMessage { get; set; }
    public int NodeId { get; set; }
    public string Host { get; set; } = "";
    public int Port { get; set; }

    public static FindCoordinatorResponse Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new FindCoordinatorResponse();
        if (version >= 1)
            message.ThrottleTimeMs = reader.ReadInt32();
        message.ErrorCode = (ErrorCode)reader.ReadInt16();
        if (version >= 1)
            message.ErrorMessage = reader.ReadNullableString();
        message.NodeId = reader.ReadInt32();
        message.Host = reader.ReadString();
        message.Port = reader.ReadInt32();
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        if (version >= 1)
            writer.WriteInt32(ThrottleTimeMs);
        writer.WriteInt16((short)ErrorCode);
        if (version >= 1)
            writer.WriteNullableString(ErrorMessage);
        writer.WriteInt32(NodeId);
        writer.WriteString(Host);
        writer.WriteInt32(Port);
    }
}
