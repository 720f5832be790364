using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>FindCoordinator request (key 10), v0–2: which broker coordinates a group or transactional id.</summary>
public sealed class FindCoordinatorRequest : IKafkaMessage<FindCoordinatorRequest>
{
    public static ApiKey ApiKey => ApiKey.FindCoordinator;
    public static short MinVersion => 0;
    public static short MaxVersion => 2;

    public string Key { get; set; } = "";

    /// <summary>0 = group, 1 = transaction (v1+).</summary>
    public sbyte KeyType { get; set; }

    public static FindCoordinatorRequest Read(ref KafkaReader reader, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        var message = new FindCoordinatorRequest { Key = reader.ReadString() };
        if (version >= 1)
            message.KeyType = reader.ReadInt8();
        return message;
    }

    public void Write(KafkaWriter writer, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        writer.WriteString(Key);
        if (version >= 1)
            writer.WriteInt8(KeyType);
    }
}
