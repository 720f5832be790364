namespace IngestHub.Broker.Metadata;

/// <summary>Per-topic configuration overrides by Kafka name, validated when a topic is created.</summary>
public static class TopicConfig
{
    public const string RetentionMs = "retention.ms";
    public const string RetentionBytes = "retention.bytes";
    public const string SegmentBytes = "segment.bytes";
    public const string SegmentMs = "segment.ms";
    public const string MaxMessageBytes = "max.message.bytes";
    public const string CleanupPolicy = "cleanup.policy";
    public const string MessageTimestampType = "message.timestamp.type";
    public const string FlushMessages = "flush.messages";
    public const string FlushMs = "flush.ms";

    /// <summary>Names this broker understands; anything else is rejected with INVALID_CONFIG.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        RetentionMs, RetentionBytes, SegmentBytes, SegmentMs, MaxMessageBytes, CleanupPolicy, MessageTimestampType,
        FlushMessages, FlushMs,
    };

    /// <summary>Returns null when the value is acceptable, else the reason.</summary>
    public static string? Validate(string name, string? value)
    {
        if (!Known.Contains(name))
            return $"Unknown topic config name: {name}";
        if (value is null)
            return $"Null value for topic config {name}";
        switch (name)
        {
            case CleanupPolicy:
                return value == "delete" ? null : $"Invalid value {value} for configuration {name}: only \"delete\" is supported";
            case MessageTimestampType:
                return value is "CreateTime" or "LogAppendTime" ? null : $"Invalid value {value} for configuration {name}: String must be one of: CreateTime, LogAppendTime";
            case SegmentBytes:
            case MaxMessageBytes:
                return int.TryParse(value, out int i) && i > 0 ? null : $"Invalid value {value} for configuration {name}: must be a positive 32-bit integer";
            case RetentionMs:
            case RetentionBytes:
                return long.TryParse(value, out long l) && l >= -1 ? null : $"Invalid value {value} for configuration {name}: must be a long >= -1";
            default:
                return long.TryParse(value, out long v) && v >= 0 ? null : $"Invalid value {value} for configuration {name}: must be a non-negative long";
        }
    }
}
