using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>InitProducerId request v0–v1.</summary>
public sealed class InitProducerIdRequest : IKafkaMessage<InitProducerIdRequest>
{
    public static ApiKey ApiKey => ApiKey.InitProducerId;
    public static short MinVersion => 0;
    public static short MaxVersion => 1;

    /// <summary>Null for an idempotent, non-transactional producer.</summary>
    public string? TransactionalId { get; set; }
    public int TransactionTimeoutMs { get; set; }

    public static InitProducerIdRequest Read(ref KafkaReader reader, short version) => new()
    {
        TransactionalId = reader.ReadNullableString(),
        TransactionTimeoutMs = reader.ReadInt32(),
    };

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteNullableString(TransactionalId);
        writer.WriteInt32(TransactionTimeoutMs);
    }
}
