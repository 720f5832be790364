namespace IngestHub.Storage;

/// <summary>Kafka's <c>message.timestamp.type</c>.</summary>
public enum TimestampType
{
    CreateTime,
    LogAppendTime,
}
