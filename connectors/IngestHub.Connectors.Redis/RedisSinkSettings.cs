using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using StackExchange.Redis;

namespace IngestHub.Connectors.Redis;

/// <summary>The sink's settings, validated; see docs/connectors/redis.md for the keys.</summary>
internal sealed class RedisSinkSettings
{
    private const string Output = "output";
    private static readonly SettingDefinition Configuration = SettingDefinition.String(Output, "configuration", null,
        "StackExchange.Redis configuration string: endpoints (host:port,host:port) and options (password=, user=, ssl=true, serviceName= for Sentinel …); not with host/port");
    private static readonly SettingDefinition Host = SettingDefinition.String(Output, "host", "127.0.0.1", "Server host name or address (without configuration)");
    private static readonly SettingDefinition Port = SettingDefinition.Int(Output, "port", 6379, 1, 65535, "Server port (without configuration)");
    private static readonly SettingDefinition Username = SettingDefinition.String(Output, "username", null, "ACL user (Redis 6+); needs password");
    private static readonly SettingDefinition Password = SettingDefinition.Password(Output, "password", "AUTH password, sent on every new connection");
    private static readonly SettingDefinition Db = SettingDefinition.Int(Output, "db", 0, 0, 65535, "Database selected on every new connection");
    private static readonly SettingDefinition Tls = SettingDefinition.Bool(Output, "tls", false, "TLS; the certificate must match the host name");
    private static readonly SettingDefinition TlsCaFile = SettingDefinition.String(Output, "tls.ca.file", null, "PEM file of CA certificates trusted in addition to the system store");
    private static readonly SettingDefinition TlsCertFile = SettingDefinition.String(Output, "tls.cert.file", null, "PEM client certificate presented in the TLS handshake; needs tls");
    private static readonly SettingDefinition TlsKeyFile = SettingDefinition.String(Output, "tls.key.file", null, "PEM private key of tls.cert.file, when not in the same file");
    private static readonly SettingDefinition TimeoutMs = SettingDefinition.Int(Output, "timeout.ms", 5000, 1, 3_600_000, "Connect timeout and the time one batch may take");
    private static readonly SettingDefinition PoolSize = SettingDefinition.Int(Output, "pool.size", 2, 1, 64, "Accepted for older configurations and ignored: connections are multiplexed");
    private static readonly SettingDefinition ModeSetting = SettingDefinition.Choice(Output, "mode", RedisSinkMode.List,
        "list (RPUSH), stream (XADD), channel (PUBLISH), hash (HSET) or string (SET)");
    private static readonly SettingDefinition KeySetting = SettingDefinition.String(Output, "key", null,
        "Key, stream or channel name with %{field} and %{+format}; default the connector name; required for hash and string");
    private static readonly SettingDefinition CongestionThresholdSetting = SettingDefinition.Long(Output, "congestion_threshold", 0, 0, long.MaxValue,
        "list only: wait while a target list holds at least this many items (0 = off)");
    private static readonly SettingDefinition CongestionIntervalSetting = SettingDefinition.Long(Output, "congestion_interval", 1, 1, 600,
        "list only: longest pause in seconds between two length checks while congested");
    private static readonly SettingDefinition CongestionIntervalMs = SettingDefinition.Long(Output, "congestion_interval.ms", 1000, 1, 600_000,
        "The same in milliseconds; wins over congestion_interval");
    private static readonly SettingDefinition StreamMaxLen = SettingDefinition.Long(Output, "stream.maxlen", 0, 0, long.MaxValue, "stream only: MAXLEN ~ n trimming (0 = none)");
    private static readonly SettingDefinition StreamFields = SettingDefinition.Choice(Output, "stream.fields", "event", ["event", "flatten"],
        "stream only: event stores the JSON under one field; flatten stores one field per top-level event field");
    private static readonly SettingDefinition Ttl = SettingDefinition.Long(Output, "ttl", 0, 0, long.MaxValue, "string only: expiry in seconds (0 = none)");

    /// <summary>The sink's settings, as published by <c>GET /connector-plugins</c> and read by <see cref="Parse"/>.</summary>
    public static IReadOnlyList<SettingDefinition> Definitions { get; } =
    [
        Configuration, Host, Port, Username, Password, Db, Tls, TlsCaFile, TlsCertFile, TlsKeyFile, TimeoutMs, PoolSize, ModeSetting, KeySetting,
        CongestionThresholdSetting, CongestionIntervalSetting, CongestionIntervalMs, StreamMaxLen, StreamFields, Ttl,
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
        reader.RejectUnknownKeys(Definitions);
        var connection = ParseConnection(reader);

        var mode = reader.Enum<RedisSinkMode>(ModeSetting);
        string? key = reader.String(KeySetting);
        if (key is null or "")
        {
            if (mode is RedisSinkMode.Hash or RedisSinkMode.String)
                throw new ConfigException("key", $"is required in {mode.ToString().ToLowerInvariant()} mode (e.g. %{{id}})");
            key = connectorName;
        }

        string streamFields = reader.String(StreamFields)!;

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
            CongestionThreshold = reader.Long(CongestionThresholdSetting),
            // Logstash's congestion_interval is in seconds; congestion_interval.ms allows finer values.
            CongestionInterval = reader.Has(CongestionIntervalMs)
                ? TimeSpan.FromMilliseconds(reader.Long(CongestionIntervalMs))
                : TimeSpan.FromSeconds(reader.Long(CongestionIntervalSetting)),
            StreamMaxLength = reader.Long(StreamMaxLen),
            StreamFlatten = streamFields == "flatten",
            TtlSeconds = reader.Long(Ttl),
        };
    }

    private static ConfigurationOptions ParseConnection(SettingsReader reader)
    {
        ConfigurationOptions options;
        if (reader.String(Configuration) is { } configuration)
        {
            if (reader.Has(Host) || reader.Has(Port))
                throw new ConfigException(reader.Has(Host) ? "host" : "port", "cannot be combined with configuration (list the endpoints there: host1:6379,host2:6379)");
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
            options.EndPoints.Add(reader.String(Host)!, reader.Int(Port));
        }

        if (reader.String(Username) is { Length: > 0 } user)
            options.User = user;
        if (reader.String(Password) is { } password)
            options.Password = password;
        if (options.User is { Length: > 0 } && options.Password is null)
            throw new ConfigException("username", "needs password as well");
        if (reader.Has(Db))
            options.DefaultDatabase = reader.Int(Db);
        if (reader.Has(Tls))
            options.Ssl = reader.Bool(Tls);

        if (reader.String(TlsCaFile) is { Length: > 0 } caFile)
        {
            if (!File.Exists(caFile))
                throw new ConfigException("tls.ca.file", $"file {caFile} does not exist");
            options.CertificateValidation += RedisTrust.FromCaFile(caFile);
        }
        string? certFile = reader.String(TlsCertFile);
        string? keyFile = reader.String(TlsKeyFile);
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

        if (reader.Has(TimeoutMs) || !reader.Has(Configuration))
        {
            int timeoutMs = reader.Int(TimeoutMs);
            options.ConnectTimeout = timeoutMs;
            options.SyncTimeout = timeoutMs;
            options.AsyncTimeout = timeoutMs;
        }
        // Accepted for older configurations: the library multiplexes every worker's batches over one connection
        // per server, so there is no pool to size.
        reader.Int(PoolSize);

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
