using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Validated settings of an Elasticsearch sink (keys as documented in docs/connectors/elasticsearch.md).</summary>
public sealed class ElasticsearchSinkOptions
{
    public const string DefaultIndex = "logs-%{+yyyy.MM.dd}";

    public IReadOnlyList<Uri> Hosts { get; init; } = [new Uri("http://localhost:9200/")];
    public string Index { get; init; } = DefaultIndex;
    public BulkAction Action { get; init; } = BulkAction.Index;
    public bool DataStream { get; init; }
    public string DataStreamType { get; init; } = "logs";
    public string DataStreamDataset { get; init; } = "generic";
    public string DataStreamNamespace { get; init; } = "default";

    /// <summary><c>default</c> (topic-partition-offset), <c>none</c>, or a template such as <c>%{id}</c>.</summary>
    public string DocumentId { get; init; } = "default";

    public int BatchSize { get; init; } = 1000;
    public int BatchMaxBytes { get; init; } = 10 * 1024 * 1024;
    public int MaxInFlightRequests { get; init; } = 2;
    public int RetryBackoffMs { get; init; } = 100;
    public int RetryBackoffMaxMs { get; init; } = 60_000;

    /// <summary>Retries of throttled (429/5xx) items; -1 retries until they succeed.</summary>
    public int MaxRetries { get; init; } = -1;

    /// <summary>Retries of a whole request that failed (connection, timeout, 5xx, 429) before giving up.</summary>
    public int RequestRetries { get; init; } = 3;

    public int RequestTimeoutMs { get; init; } = 60_000;

    /// <summary>First rest of a failed node; doubles with each further failure up to <see cref="NodeCooldownMaxMs"/>.</summary>
    public int NodeCooldownMs { get; init; } = 30_000;

    public int NodeCooldownMaxMs { get; init; } = 1_800_000;

    /// <summary>Discover the cluster's nodes from <c>_nodes/http</c> (on start, on a node failure, and every
    /// <see cref="SniffingIntervalMs"/>) instead of using <see cref="Hosts"/> only.</summary>
    public bool Sniffing { get; init; }

    public int SniffingIntervalMs { get; init; } = 300_000;
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? ApiKey { get; init; }
    public string? CertificateAuthorityPath { get; init; }
    public string? CaTrustedFingerprint { get; init; }
    public bool SslVerify { get; init; } = true;
    public bool Gzip { get; init; }
    public bool TemplateCreate { get; init; }
    public string? TemplateName { get; init; }
    public string? TemplatePattern { get; init; }
    public int TemplatePriority { get; init; } = 200;

    /// <summary>The index (or data stream) name pattern actually written to.</summary>
    public string EffectiveIndex => DataStream ? $"{DataStreamType}-{DataStreamDataset}-{DataStreamNamespace}" : Index;

    public BulkAction EffectiveAction => DataStream ? BulkAction.Create : Action;

    public static ElasticsearchSinkOptions Parse(JsonObject settings)
    {
        var r = new SettingsReader(settings);
        var hosts = r.StringList("hosts");
        var uris = new List<Uri>();
        foreach (var host in hosts)
        {
            string text = host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                throw new ConfigException("hosts", $"{host} is not an http(s) URL");
            uris.Add(uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/"));
        }
        if (uris.Count == 0 && r.Has("hosts"))
            throw new ConfigException("hosts", "must name at least one URL");

        var options = new ElasticsearchSinkOptions
        {
            Hosts = uris.Count > 0 ? uris : [new Uri("http://localhost:9200/")],
            Index = r.String("index", DefaultIndex)!,
            Action = r.Enum("action", BulkAction.Index),
            DataStream = r.Bool("data_stream", false),
            DataStreamType = r.String("data_stream.type", "logs")!,
            DataStreamDataset = r.String("data_stream.dataset", "generic")!,
            DataStreamNamespace = r.String("data_stream.namespace", "default")!,
            DocumentId = r.String("document_id", "default")!,
            BatchSize = r.Int("batch.size", 1000, 1, 100_000),
            BatchMaxBytes = r.Int("batch.max.bytes", 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
            MaxInFlightRequests = r.Int("max.in.flight.requests", 2, 1, 64),
            RetryBackoffMs = r.Int("retry.backoff.ms", 100, 1, 3_600_000),
            RetryBackoffMaxMs = r.Int("retry.backoff.max.ms", 60_000, 1, 3_600_000),
            MaxRetries = r.Int("max.retries", -1, -1, int.MaxValue),
            RequestRetries = r.Int("request.retries", 3, 0, 1000),
            RequestTimeoutMs = r.Int("request.timeout.ms", 60_000, 1, 3_600_000),
            NodeCooldownMs = r.Int("node.cooldown.ms", 30_000, 0, 3_600_000),
            NodeCooldownMaxMs = r.Int("node.cooldown.max.ms", 1_800_000, 0, 86_400_000),
            Sniffing = r.Bool("sniffing", false),
            SniffingIntervalMs = r.Int("sniffing.interval.ms", 300_000, 1_000, 86_400_000),
            Username = r.String("username"),
            Password = r.String("password"),
            ApiKey = r.String("api_key"),
            CertificateAuthorityPath = r.String("ssl.certificate_authority"),
            CaTrustedFingerprint = r.String("ssl.ca_trusted_fingerprint"),
            SslVerify = r.Bool("ssl.verify", true),
            Gzip = r.String("compression", "none") switch
            {
                "gzip" => true,
                "none" => false,
                var other => throw new ConfigException("compression", $"must be gzip or none, got {other}"),
            },
            TemplateCreate = r.Bool("template.create", false),
            TemplateName = r.String("template.name"),
            TemplatePattern = r.String("template.pattern"),
            TemplatePriority = r.Int("template.priority", 200, 0, int.MaxValue),
        };
        options.Validate();
        return options;
    }

    /// <summary>Checks combinations; throws <see cref="ConfigException"/> naming the key.</summary>
    public void Validate()
    {
        if (RetryBackoffMaxMs < RetryBackoffMs)
            throw new ConfigException("retry.backoff.max.ms", "must not be below retry.backoff.ms");
        if (NodeCooldownMaxMs < NodeCooldownMs)
            throw new ConfigException("node.cooldown.max.ms", "must not be below node.cooldown.ms");
        foreach (var host in Hosts)
            if (host.Scheme != Hosts[0].Scheme)
                throw new ConfigException("hosts", "all nodes must use the same scheme (http or https)");
        if (Username is not null != Password is not null)
            throw new ConfigException(Username is null ? "username" : "password", "username and password go together");
        if (ApiKey is not null && Username is not null)
            throw new ConfigException("api_key", "use either api_key or username/password");
        if (CertificateAuthorityPath is not null && !File.Exists(CertificateAuthorityPath))
            throw new ConfigException("ssl.certificate_authority", $"file {CertificateAuthorityPath} does not exist");
        if (CaTrustedFingerprint is not null && !IsSha256Fingerprint(CaTrustedFingerprint))
            throw new ConfigException("ssl.ca_trusted_fingerprint", "must be a SHA-256 fingerprint (64 hex digits, colons allowed)");
        if (CaTrustedFingerprint is not null && CertificateAuthorityPath is not null)
            throw new ConfigException("ssl.ca_trusted_fingerprint", "use either ssl.ca_trusted_fingerprint or ssl.certificate_authority");
        if (DataStream)
        {
            CheckDataStreamPart("data_stream.type", DataStreamType);
            CheckDataStreamPart("data_stream.dataset", DataStreamDataset);
            CheckDataStreamPart("data_stream.namespace", DataStreamNamespace);
        }
        else
        {
            var template = IndexNameTemplate.Parse(Index, "index", lowercaseFields: true);
            foreach (char c in template.WildcardPattern)
                if (char.IsUpper(c) || c is ' ' or '"' or '\\' or '/' or '?' or '<' or '>' or '|' or ',' or '#' or ':')
                    throw new ConfigException("index", $"{Index} has a character Elasticsearch does not allow in index names ({c})");
        }
        if (DocumentId is not ("default" or "none"))
            IndexNameTemplate.Parse(DocumentId, "document_id", lowercaseFields: false);
    }

    private static bool IsSha256Fingerprint(string text)
    {
        int digits = 0;
        foreach (char c in text)
        {
            if (char.IsAsciiHexDigit(c))
                digits++;
            else if (c is not (':' or ' '))
                return false;
        }
        return digits == 64;
    }

    private static bool HasUpper(string value)
    {
        foreach (char c in value)
            if (char.IsUpper(c))
                return true;
        return false;
    }

    private static void CheckDataStreamPart(string key, string value)
    {
        if (value.Length == 0 || value.Contains('-', StringComparison.Ordinal) || HasUpper(value))
            throw new ConfigException(key, $"must be non-empty, lowercase and without '-', got {value}");
    }
}
