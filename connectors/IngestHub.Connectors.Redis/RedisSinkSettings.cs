using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Connectors.Redis;

/// <summary>The sink's settings, validated; see docs/connectors/redis.md for the keys.</summary>
internal sealed class RedisSinkSettings
{
    public required RedisOptions Connection { get; init; }

    public RedisSinkMode Mode { get; init; }

    public required EventFormatter Key { get; init; }

    /// <summary>List mode: wait while a target list holds at least this many items (0 = never wait).</summary>
    public long CongestionThreshold { get; init; }

    /// <summary>List mode: longest pause between two length checks while congested.</summary>
    public TimeSpan CongestionInterval { get; init; }

    /// <summary>Stream mode: approximate MAXLEN trim (0 = no trimming).</summary>
    public long StreamMaxLength { get; init; }

    /// <summary>Stream mode: one field per top-level event field instead of the JSON under <c>event</c>.</summary>
    public bool StreamFlatten { get; init; }

    /// <summary>String mode: EX seconds (0 = no expiry).</summary>
    public long TtlSeconds { get; init; }

    public static RedisSinkSettings Parse(string connectorName, JsonObject settings)
    {
        var reader = new SettingsReader(settings);
        int timeoutMs = reader.Int("timeout.ms", 5000, 1, 3_600_000);
        var connection = new RedisOptions
        {
            Host = reader.String("host", "127.0.0.1")!,
            Port = reader.Int("port", 6379, 1, 65535),
            Username = reader.String("username"),
            Password = reader.String("password"),
            Database = reader.Int("db", 0, 0, 65535),
            UseTls = reader.Bool("tls", false),
            TlsCaFile = reader.String("tls.ca.file"),
            ConnectTimeout = TimeSpan.FromMilliseconds(timeoutMs),
            CommandTimeout = TimeSpan.FromMilliseconds(timeoutMs),
            PoolSize = reader.Int("pool.size", 2, 1, 64),
        };
        if (connection.Username is { Length: > 0 } && connection.Password is null)
            throw new ConfigException("username", "needs password as well");
        if (connection.TlsCaFile is { Length: > 0 } caFile && !File.Exists(caFile))
            throw new ConfigException("tls.ca.file", $"file {caFile} does not exist");

        var mode = reader.Enum("mode", RedisSinkMode.List);
        string? key = reader.String("key");
        if (key is null or "")
        {
            if (mode is RedisSinkMode.Hash or RedisSinkMode.String)
                throw new ConfigException("key", $"is required in {mode.ToString().ToLowerInvariant()} mode (e.g. %{{id}})");
            key = connectorName;
        }

        string streamFields = reader.String("stream.fields", "event")!;
        if (streamFields is not ("event" or "flatten"))
            throw new ConfigException("stream.fields", $"must be event or flatten, got {streamFields}");

        for (int at = key.IndexOf("%{", StringComparison.Ordinal); at >= 0; at = key.IndexOf("%{", at + 2, StringComparison.Ordinal))
        {
            if (key.IndexOf('}', at + 2) < 0)
                throw new ConfigException("key", $"'{key}' has a %{{ without its closing }}");
        }

        return new RedisSinkSettings
        {
            Connection = connection,
            Mode = mode,
            Key = EventFormatter.Compile(key),
            CongestionThreshold = reader.Long("congestion_threshold", 0, 0),
            // Logstash's congestion_interval is in seconds; congestion_interval.ms allows finer values.
            CongestionInterval = reader.Has("congestion_interval.ms")
                ? TimeSpan.FromMilliseconds(reader.Long("congestion_interval.ms", 1000, 1, 600_000))
                : TimeSpan.FromSeconds(reader.Long("congestion_interval", 1, 1, 600)),
            StreamMaxLength = reader.Long("stream.maxlen", 0, 0),
            StreamFlatten = streamFields == "flatten",
            TtlSeconds = reader.Long("ttl", 0, 0),
        };
    }
}
