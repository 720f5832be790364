namespace IngestHub.Broker.Metadata;

/// <summary>
/// The broker configs that can be changed while the broker runs (IncrementalAlterConfigs/AlterConfigs on the
/// broker resource): the log defaults every topic without its own override inherits. Each maps to the topic
/// config it is the default of; the rest of the broker's configs are static and reported read-only.
/// </summary>
public static class BrokerConfig
{
    /// <summary>Dynamic broker config name → the topic config it sets the default of.</summary>
    public static readonly IReadOnlyDictionary<string, string> Dynamic = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["log.retention.ms"] = TopicConfig.RetentionMs,
        ["log.retention.bytes"] = TopicConfig.RetentionBytes,
        ["log.segment.bytes"] = TopicConfig.SegmentBytes,
        ["log.roll.ms"] = TopicConfig.SegmentMs,
        ["log.index.interval.bytes"] = TopicConfig.IndexIntervalBytes,
        ["message.max.bytes"] = TopicConfig.MaxMessageBytes,
        ["log.flush.interval.messages"] = TopicConfig.FlushMessages,
        ["log.flush.interval.ms"] = TopicConfig.FlushMs,
        ["log.message.timestamp.type"] = TopicConfig.MessageTimestampType,
    };

    /// <summary>Null when <paramref name="value"/> may be set for <paramref name="name"/>, else Kafka's reason.</summary>
    public static string? Validate(string name, string? value)
    {
        if (!Dynamic.TryGetValue(name, out var topicConfig))
            return $"Cannot update these configs dynamically: {name}";
        if (value is null)
            return $"Null value for broker config {name}";
        if (!TopicConfig.TryGet(topicConfig, out var definition))
            return null;
        string? reason = definition.Validate(value);
        return reason?.Replace(topicConfig, name, StringComparison.Ordinal);
    }
}
