namespace IngestHub.Broker.Metadata;

/// <summary>
/// Every topic config Kafka defines, validated when a topic is created or altered. Those this broker applies
/// (cleanup policy and compaction, retention, segments, flush, max message size, timestamp type, min in-sync
/// replicas) change behaviour; the rest (compression levels, remote storage, throttles…) are accepted and stored so tools
/// that set them work, and reported back as set. An unknown name is refused with INVALID_CONFIG, as Kafka does.
/// </summary>
public static class TopicConfig
{
    public const string RetentionMs = "retention.ms";
    public const string RetentionBytes = "retention.bytes";
    public const string SegmentBytes = "segment.bytes";
    public const string SegmentMs = "segment.ms";
    public const string IndexIntervalBytes = "index.interval.bytes";
    public const string MaxMessageBytes = "max.message.bytes";
    public const string CleanupPolicy = "cleanup.policy";
    public const string CompressionType = "compression.type";
    public const string MessageTimestampType = "message.timestamp.type";
    public const string MinInsyncReplicas = "min.insync.replicas";
    public const string FlushMessages = "flush.messages";
    public const string FlushMs = "flush.ms";
    public const string DeleteRetentionMs = "delete.retention.ms";
    public const string MinCleanableDirtyRatio = "min.cleanable.dirty.ratio";
    public const string MinCompactionLagMs = "min.compaction.lag.ms";
    public const string MaxCompactionLagMs = "max.compaction.lag.ms";

    private const string Never = "9223372036854775807";

    public static readonly IReadOnlyList<TopicConfigDefinition> Definitions =
    [
        new(CleanupPolicy, TopicConfigKind.List, "delete", Applied: true, Allowed: ["compact", "delete"]),
        new(CompressionType, TopicConfigKind.String, "producer", Applied: false, Allowed: ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]),
        new("compression.gzip.level", TopicConfigKind.Int, "-1", Applied: false, Min: -1, Max: 9),
        new("compression.lz4.level", TopicConfigKind.Int, "9", Applied: false, Min: 1, Max: 17),
        new("compression.zstd.level", TopicConfigKind.Int, "3", Applied: false, Min: -131072, Max: 22),
        new(DeleteRetentionMs, TopicConfigKind.Long, "86400000", Applied: true, Min: 0),
        new("file.delete.delay.ms", TopicConfigKind.Long, "60000", Applied: false, Min: 0),
        new(FlushMessages, TopicConfigKind.Long, Never, Applied: true, Min: 0),
        new(FlushMs, TopicConfigKind.Long, Never, Applied: true, Min: 0),
        new("follower.replication.throttled.replicas", TopicConfigKind.List, "", Applied: false),
        new(IndexIntervalBytes, TopicConfigKind.Int, "4096", Applied: true, Min: 0),
        new("leader.replication.throttled.replicas", TopicConfigKind.List, "", Applied: false),
        new("local.retention.bytes", TopicConfigKind.Long, "-2", Applied: false, Min: -2),
        new("local.retention.ms", TopicConfigKind.Long, "-2", Applied: false, Min: -2),
        new(MaxCompactionLagMs, TopicConfigKind.Long, Never, Applied: true, Min: 1),
        new(MaxMessageBytes, TopicConfigKind.Int, "1048588", Applied: true, Min: 1),
        new("message.downconversion.enable", TopicConfigKind.Boolean, "true", Applied: false),
        new("message.format.version", TopicConfigKind.String, "3.0-IV1", Applied: false),
        new("message.timestamp.after.max.ms", TopicConfigKind.Long, Never, Applied: false, Min: 0),
        new("message.timestamp.before.max.ms", TopicConfigKind.Long, Never, Applied: false, Min: 0),
        new("message.timestamp.difference.max.ms", TopicConfigKind.Long, Never, Applied: false, Min: 0),
        new(MessageTimestampType, TopicConfigKind.String, "CreateTime", Applied: true, Allowed: ["CreateTime", "LogAppendTime"]),
        new(MinCleanableDirtyRatio, TopicConfigKind.Double, "0.5", Applied: true, Min: 0, Max: 1),
        new(MinCompactionLagMs, TopicConfigKind.Long, "0", Applied: true, Min: 0),
        new(MinInsyncReplicas, TopicConfigKind.Int, "1", Applied: true, Min: 1),
        new("preallocate", TopicConfigKind.Boolean, "false", Applied: false),
        new("remote.log.copy.disable", TopicConfigKind.Boolean, "false", Applied: false),
        new("remote.log.delete.on.disable", TopicConfigKind.Boolean, "false", Applied: false),
        new("remote.storage.enable", TopicConfigKind.Boolean, "false", Applied: false),
        new(RetentionBytes, TopicConfigKind.Long, "-1", Applied: true, Min: -1),
        new(RetentionMs, TopicConfigKind.Long, "604800000", Applied: true, Min: -1),
        new(SegmentBytes, TopicConfigKind.Int, "1073741824", Applied: true, Min: 14),
        new("segment.index.bytes", TopicConfigKind.Int, "10485760", Applied: false, Min: 4),
        new("segment.jitter.ms", TopicConfigKind.Long, "0", Applied: false, Min: 0),
        new(SegmentMs, TopicConfigKind.Long, "604800000", Applied: true, Min: 1),
        new("unclean.leader.election.enable", TopicConfigKind.Boolean, "false", Applied: false),
    ];

    private static readonly Dictionary<string, TopicConfigDefinition> ByName = Definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>Names Kafka defines; anything else is rejected with INVALID_CONFIG.</summary>
    public static IReadOnlyCollection<string> Known => ByName.Keys;

    public static bool TryGet(string name, out TopicConfigDefinition definition) => ByName.TryGetValue(name, out definition!);

    /// <summary>Returns null when the value is acceptable, else the reason.</summary>
    public static string? Validate(string name, string? value)
    {
        if (!ByName.TryGetValue(name, out var definition))
            return $"Unknown topic config name: {name}";
        if (value is null)
            return $"Null value for topic config {name}";
        return definition.Validate(value);
    }
}
