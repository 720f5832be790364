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

    private const string Output = "output";
    private static readonly SettingDefinition HostsSetting = SettingDefinition.List(Output, "hosts", "Node URLs (http:// is assumed without a scheme); default http://localhost:9200");
    private static readonly SettingDefinition IndexSetting = SettingDefinition.String(Output, "index", DefaultIndex, "Index name with %{field} and %{+yyyy.MM.dd}");
    private static readonly SettingDefinition ActionSetting = SettingDefinition.Choice<BulkAction>(Output, "action", BulkAction.Index, "Bulk action: index (overwrite) or create");
    private static readonly SettingDefinition DataStreamSetting = SettingDefinition.Bool(Output, "data_stream", false, "Write to the data stream <type>-<dataset>-<namespace> with create");
    private static readonly SettingDefinition DataStreamTypeSetting = SettingDefinition.String(Output, "data_stream.type", "logs", "Data stream type");
    private static readonly SettingDefinition DataStreamDatasetSetting = SettingDefinition.String(Output, "data_stream.dataset", "generic", "Data stream dataset");
    private static readonly SettingDefinition DataStreamNamespaceSetting = SettingDefinition.String(Output, "data_stream.namespace", "default", "Data stream namespace");
    private static readonly SettingDefinition DocumentIdSetting = SettingDefinition.String(Output, "document_id", "default", "default (topic-partition-offset), none, or a template such as %{id}");
    private static readonly SettingDefinition BatchSizeSetting = SettingDefinition.Int(Output, "batch.size", 1000, 1, 100_000, "Documents per _bulk request");
    private static readonly SettingDefinition BatchMaxBytesSetting = SettingDefinition.Int(Output, "batch.max.bytes", 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024, "Largest _bulk body");
    private static readonly SettingDefinition MaxInFlightRequestsSetting = SettingDefinition.Int(Output, "max.in.flight.requests", 2, 1, 64, "_bulk requests in flight");
    private static readonly SettingDefinition RetryBackoffMsSetting = SettingDefinition.Int(Output, "retry.backoff.ms", 100, 1, 3_600_000, "First pause before retrying throttled items");
    private static readonly SettingDefinition RetryBackoffMaxMsSetting = SettingDefinition.Int(Output, "retry.backoff.max.ms", 60_000, 1, 3_600_000, "Longest pause between retries");
    private static readonly SettingDefinition MaxRetriesSetting = SettingDefinition.Int(Output, "max.retries", -1, -1, int.MaxValue, "Retries of throttled (429/5xx) items; -1 = until they succeed");
    private static readonly SettingDefinition RequestRetriesSetting = SettingDefinition.Int(Output, "request.retries", 3, 0, 1000, "Retries of a whole failed request before the batch is retried with backoff");
    private static readonly SettingDefinition RequestTimeoutMsSetting = SettingDefinition.Int(Output, "request.timeout.ms", 60_000, 1, 3_600_000, "Request timeout");
    private static readonly SettingDefinition NodeCooldownMsSetting = SettingDefinition.Int(Output, "node.cooldown.ms", 30_000, 0, 3_600_000, "First rest of a failed node");
    private static readonly SettingDefinition NodeCooldownMaxMsSetting = SettingDefinition.Int(Output, "node.cooldown.max.ms", 1_800_000, 0, 86_400_000, "Longest rest of a failed node");
    private static readonly SettingDefinition SniffingSetting = SettingDefinition.Bool(Output, "sniffing", false, "Discover the cluster's nodes from _nodes/http");
    private static readonly SettingDefinition SniffingIntervalMsSetting = SettingDefinition.Int(Output, "sniffing.interval.ms", 300_000, 1_000, 86_400_000, "Interval between node discoveries");
    private static readonly SettingDefinition UsernameSetting = SettingDefinition.String(Output, "username", null, "Basic authentication user; needs password");
    private static readonly SettingDefinition PasswordSetting = SettingDefinition.Password(Output, "password", "Basic authentication password");
    private static readonly SettingDefinition ApiKeySetting = SettingDefinition.Password(Output, "api_key", "API key (id:key base64), instead of username/password");
    private static readonly SettingDefinition CertificateAuthorityPathSetting = SettingDefinition.String(Output, "ssl.certificate_authority", null, "PEM file of the CA that signed the cluster's certificate");
    private static readonly SettingDefinition CaTrustedFingerprintSetting = SettingDefinition.String(Output, "ssl.ca_trusted_fingerprint", null, "SHA-256 fingerprint of the CA certificate to trust");
    private static readonly SettingDefinition SslVerifySetting = SettingDefinition.Bool(Output, "ssl.verify", true, "Verify the server certificate");
    private static readonly SettingDefinition CompressionSetting = SettingDefinition.Choice(Output, "compression", "none", ["none", "gzip"], "Request body compression");
    private static readonly SettingDefinition TemplateCreateSetting = SettingDefinition.Bool(Output, "template.create", false, "Install an index template on start");
    private static readonly SettingDefinition TemplateNameSetting = SettingDefinition.String(Output, "template.name", null, "Index template name");
    private static readonly SettingDefinition TemplatePatternSetting = SettingDefinition.String(Output, "template.pattern", null, "Index pattern of the template");
    private static readonly SettingDefinition TemplatePrioritySetting = SettingDefinition.Int(Output, "template.priority", 200, 0, int.MaxValue, "Template priority");

    /// <summary>The sink's settings, as published by <c>GET /connector-plugins</c> and read by <see cref="Parse"/>.</summary>
    public static IReadOnlyList<SettingDefinition> Definitions { get; } =
    [
        HostsSetting, IndexSetting, ActionSetting, DataStreamSetting, DataStreamTypeSetting, DataStreamDatasetSetting, DataStreamNamespaceSetting, DocumentIdSetting, BatchSizeSetting, BatchMaxBytesSetting, MaxInFlightRequestsSetting, RetryBackoffMsSetting, RetryBackoffMaxMsSetting, MaxRetriesSetting, RequestRetriesSetting, RequestTimeoutMsSetting, NodeCooldownMsSetting, NodeCooldownMaxMsSetting, SniffingSetting, SniffingIntervalMsSetting, UsernameSetting, PasswordSetting, ApiKeySetting, CertificateAuthorityPathSetting, CaTrustedFingerprintSetting, SslVerifySetting, CompressionSetting, TemplateCreateSetting, TemplateNameSetting, TemplatePatternSetting, TemplatePrioritySetting,
    ];

    public static ElasticsearchSinkOptions Parse(JsonObject settings)
    {
        var r = new SettingsReader(settings);
        r.RejectUnknownKeys(Definitions);
        var hosts = r.StringList(HostsSetting);
        var uris = new List<Uri>();
        foreach (var host in hosts)
        {
            string text = host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                throw new ConfigException("hosts", $"{host} is not an http(s) URL");
            uris.Add(uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/"));
        }
        if (uris.Count == 0 && r.Has(HostsSetting))
            throw new ConfigException("hosts", "must name at least one URL");

        var options = new ElasticsearchSinkOptions
        {
            Hosts = uris.Count > 0 ? uris : [new Uri("http://localhost:9200/")],
            Index = r.String(IndexSetting)!,
            Action = r.Enum<BulkAction>(ActionSetting),
            DataStream = r.Bool(DataStreamSetting),
            DataStreamType = r.String(DataStreamTypeSetting)!,
            DataStreamDataset = r.String(DataStreamDatasetSetting)!,
            DataStreamNamespace = r.String(DataStreamNamespaceSetting)!,
            DocumentId = r.String(DocumentIdSetting)!,
            BatchSize = r.Int(BatchSizeSetting),
            BatchMaxBytes = r.Int(BatchMaxBytesSetting),
            MaxInFlightRequests = r.Int(MaxInFlightRequestsSetting),
            RetryBackoffMs = r.Int(RetryBackoffMsSetting),
            RetryBackoffMaxMs = r.Int(RetryBackoffMaxMsSetting),
            MaxRetries = r.Int(MaxRetriesSetting),
            RequestRetries = r.Int(RequestRetriesSetting),
            RequestTimeoutMs = r.Int(RequestTimeoutMsSetting),
            NodeCooldownMs = r.Int(NodeCooldownMsSetting),
            NodeCooldownMaxMs = r.Int(NodeCooldownMaxMsSetting),
            Sniffing = r.Bool(SniffingSetting),
            SniffingIntervalMs = r.Int(SniffingIntervalMsSetting),
            Username = r.String(UsernameSetting),
            Password = r.String(PasswordSetting),
            ApiKey = r.String(ApiKeySetting),
            CertificateAuthorityPath = r.String(CertificateAuthorityPathSetting),
            CaTrustedFingerprint = r.String(CaTrustedFingerprintSetting),
            SslVerify = r.Bool(SslVerifySetting),
            Gzip = r.String(CompressionSetting) == "gzip",
            TemplateCreate = r.Bool(TemplateCreateSetting),
            TemplateName = r.String(TemplateNameSetting),
            TemplatePattern = r.String(TemplatePatternSetting),
            TemplatePriority = r.Int(TemplatePrioritySetting),
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
