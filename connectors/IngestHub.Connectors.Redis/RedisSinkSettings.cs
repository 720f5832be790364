using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using StackExchange.Redis;

namespace IngestHub.Connectors.Redis;

/// <summary>The sink's settings, validated; see docs/connectors/redis.md for the keys.</summary>
internal sealed class RedisSinkSettings
{
    private static readonly string[] Keys =
    [
        "configuration", "host", "port", "username", "password", "db", "tls", "tls.ca.file", "tls.cert.file", "tls.key.file",
        "timeout.ms", "pool.size", "mode", "key", "congestion_threshold", "congestion_interval", "congestion_interval.ms",
        "stream.maxlen", "stream.fields", "ttl",
    ];

    /// <summary>StackExchange.Redis options: the <c>configuration</c> string if given, with the explicit keys applied
    /// over it, and the sink's delivery rules (no queueing while disconnected, no command retries) forced.</summary>
    public required ConfigurationOptions Connection { get; init; }

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
        reader.RejectUnknownKeys(Keys);
        var connection = ParseConnection(reader);

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

    private static ConfigurationOptions ParseConnection(SettingsReader reader)
    {
        ConfigurationOptions options;
        if (reader.String("configuration") is { } configuration)
        {
            if (reader.Has("host") || reader.Has("port"))
                throw new ConfigException(reader.Has("host") ? "host" : "port", "cannot be combined with configuration (list the endpoints there: host1:6379,host2:6379)");
            try
            {
                options = ConfigurationOptions.Parse(configuration);
            }
            catch (ArgumentException e)
            {
                throw new ConfigException("configuration", e.Message);
            }
            if (options.EndPoints.Count == 0)
                throw new ConfigException("configuration", "names no endpoint (expected e.g. redis.internal:6379,password=…,ssl=true)");
        }
        else
        {
            options = new ConfigurationOptions();
            options.EndPoints.Add(reader.String("host", "127.0.0.1")!, reader.Int("port", 6379, 1, 65535));
        }

        if (reader.String("username") is { Length: > 0 } user)
            options.User = user;
        if (reader.String("password") is { } password)
            options.Password = password;
        if (options.User is { Length: > 0 } && options.Password is null)
            throw new ConfigException("username", "needs password as well");
        if (reader.Has("db"))
            options.DefaultDatabase = reader.Int("db", 0, 0, 65535);
        if (reader.Has("tls"))
            options.Ssl = reader.Bool("tls", false);

        if (reader.String("tls.ca.file") is { Length: > 0 } caFile)
        {
            if (!File.Exists(caFile))
                throw new ConfigException("tls.ca.file", $"file {caFile} does not exist");
            options.CertificateValidation += RedisTrust.FromCaFile(caFile);
        }
        string? certFile = reader.String("tls.cert.file");
        string? keyFile = reader.String("tls.key.file");
        if (certFile is { Length: > 0 } || keyFile is { Length: > 0 })
        {
            if (certFile is not { Length: > 0 })
                throw new ConfigException("tls.key.file", "needs tls.cert.file as well");
            if (!File.Exists(certFile))
                throw new ConfigException("tls.cert.file", $"file {certFile} does not exist");
            if (keyFile is { Length: > 0 } && !File.Exists(keyFile))
                throw new ConfigException("tls.key.file", $"file {keyFile} does not exist");
            if (!options.Ssl)
                throw new ConfigException("tls.cert.file", "needs tls: true (a client certificate is presented in the TLS handshake)");
            options.SetUserPemCertificate(certFile, keyFile is { Length: > 0 } ? keyFile : null);
        }

        if (reader.Has("timeout.ms") || !reader.Has("configuration"))
        {
            int timeoutMs = reader.Int("timeout.ms", 5000, 1, 3_600_000);
            options.ConnectTimeout = timeoutMs;
            options.SyncTimeout = timeoutMs;
            options.AsyncTimeout = timeoutMs;
        }
        // Accepted for older configurations: the library multiplexes every worker's batches over one connection
        // per server, so there is no pool to size.
        reader.Int("pool.size", 2, 1, 64);

        // Delivery rules the sink depends on, whatever the configuration string says:
        // - keep reconnecting in the background instead of failing the first connect for good;
        options.AbortOnConnectFail = false;
        // - fail a command at once while disconnected (the runtime backs off and reports it) rather than queue it;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        // - never repeat a command on its own: a write whose reply was lost may have been applied, and only the
        //   pipeline runtime decides to deliver a batch again (at-least-once, with the retry counted and reported).
        options.RetryPolicy = StackExchange.Redis.Availability.RetryPolicy.None;
        // - reconnect soon after a server comes back (100 ms, growing to 2 s while it stays away).
        options.ReconnectRetryPolicy = new ExponentialRetry(100, 2000);
        return options;
    }
}
