using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

public sealed class ElasticsearchSinkOptionsTests
{
    private static ElasticsearchSinkOptions Parse(string json) => ElasticsearchSinkOptions.Parse(JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Defaults_match_the_documentation()
    {
        var o = Parse("{}");
        Assert.Equal("http://localhost:9200/", Assert.Single(o.Hosts).AbsoluteUri);
        Assert.Equal("logs-%{+yyyy.MM.dd}", o.EffectiveIndex);
        Assert.Equal(BulkAction.Index, o.EffectiveAction);
        Assert.Equal("default", o.DocumentId);
        Assert.Equal((1000, 10 * 1024 * 1024, 2), (o.BatchSize, o.BatchMaxBytes, o.MaxInFlightRequests));
        Assert.Equal((100, 60_000, -1, 3), (o.RetryBackoffMs, o.RetryBackoffMaxMs, o.MaxRetries, o.RequestRetries));
        Assert.Equal((60_000, 30_000, 1_800_000), (o.RequestTimeoutMs, o.NodeCooldownMs, o.NodeCooldownMaxMs));
        Assert.False(o.Sniffing);
        Assert.Equal(300_000, o.SniffingIntervalMs);
        Assert.False(o.Gzip);
        Assert.True(o.SslVerify);
    }

    [Fact]
    public void Data_stream_mode_names_type_dataset_namespace_and_creates_only()
    {
        var o = Parse("""{"data_stream": "true", "data_stream.dataset": "nginx", "hosts": "es1:9200, http://es2:9243"}""");
        Assert.Equal("logs-nginx-default", o.EffectiveIndex);
        Assert.Equal(BulkAction.Create, o.EffectiveAction);
        Assert.Equal(["http://es1:9200/", "http://es2:9243/"], o.Hosts.Select(h => h.AbsoluteUri));
    }

    [Theory]
    [InlineData("""{"hosts": ["ftp://x"]}""", "hosts")]
    [InlineData("""{"hosts": ["http://es1:9200", "https://es2:9200"]}""", "hosts")]
    [InlineData("""{"node.cooldown.ms": 60000, "node.cooldown.max.ms": 1000}""", "node.cooldown.max.ms")]
    [InlineData("""{"ssl.ca_trusted_fingerprint": "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB", "ssl.certificate_authority": "/etc/hostname"}""", "ssl.ca_trusted_fingerprint")]
    [InlineData("""{"index": "Logs-%{+yyyy}"}""", "index")]
    [InlineData("""{"index": "logs-%{+yyyy"}""", "index")]
    [InlineData("""{"batch.size": 0}""", "batch.size")]
    [InlineData("""{"compression": "zstd"}""", "compression")]
    [InlineData("""{"username": "elastic"}""", "password")]
    [InlineData("""{"api_key": "k", "username": "u", "password": "p"}""", "api_key")]
    [InlineData("""{"ssl.ca_trusted_fingerprint": "abc"}""", "ssl.ca_trusted_fingerprint")]
    [InlineData("""{"ssl.certificate_authority": "/nonexistent/ca.crt"}""", "ssl.certificate_authority")]
    [InlineData("""{"data_stream": true, "data_stream.dataset": "my-app"}""", "data_stream.dataset")]
    [InlineData("""{"retry.backoff.ms": 500, "retry.backoff.max.ms": 100}""", "retry.backoff.max.ms")]
    [InlineData("""{"document_id": "%{"}""", "document_id")]
    public void Invalid_settings_name_their_key(string json, string key)
    {
        var error = Assert.Throws<ConfigException>(() => Parse(json));
        Assert.StartsWith(key, error.Message, StringComparison.Ordinal);
    }
}
