using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using Xunit;

namespace IngestHub.Pipelines.Tests;

public sealed class ConfigSecretsTests
{
    [Theory]
    [InlineData("password", true)]
    [InlineData("Password", true)]
    [InlineData("sasl.password", true)]
    [InlineData("api_key", true)]
    [InlineData("apiKey", true)]
    [InlineData("token", true)]
    [InlineData("access_token", true)]
    [InlineData("client_secret", true)]
    [InlineData("credentials", true)]
    [InlineData("cloud_auth", true)]
    [InlineData("ssl.key.passphrase", true)]
    [InlineData("pass", true)]
    [InlineData("username", false)]
    [InlineData("host", false)]
    [InlineData("ssl.certificate_authority", false)]
    [InlineData("ssl.ca_trusted_fingerprint", false)]
    [InlineData("password.file", false)]
    [InlineData("tls.ca.file", false)]
    [InlineData("key", false)]
    [InlineData("document_id", false)]
    public void Secret_keys_are_recognised_by_name(string key, bool secret) =>
        Assert.Equal(secret, ConfigSecrets.IsSecretKey(key));

    [Theory]
    [InlineData("s3cret", "[hidden]")]
    [InlineData("${ES_PASSWORD}", "${ES_PASSWORD}")]
    [InlineData("${A}${B}", "${A}${B}")]
    [InlineData("pre-${A}-post", "[hidden]${A}[hidden]")]
    [InlineData("${A:-changeme}", "${A:-[hidden]}")]
    [InlineData("${A:-}", "${A:-}")]
    [InlineData("$${A}", "[hidden]")]
    [InlineData("${broken", "[hidden]")]
    [InlineData("", "")]
    public void A_secret_shows_its_references_and_hides_its_literal_text(string value, string shown) =>
        Assert.Equal(shown, ConfigSecrets.MaskSecret(value));

    [Fact]
    public void Mask_hides_literal_secrets_anywhere_and_keeps_everything_else()
    {
        var config = JsonNode.Parse("""
            {"name": "c", "input": {"topics": ["t"]},
             "output": {"type": "elasticsearch", "username": "elastic", "password": "s3cret", "api_key": "${ES_API_KEY}",
                        "hosts": ["https://elastic:pw1@es1:9200", "https://es2:9200", "https://u:${PW}@es3"],
                        "configuration": "redis1:6379,password=hunter2,ssl=true", "port": 6379, "token": 12345},
             "filters": [{"mutate": {"add_field": {"secret": "literal"}}}]}
            """)!.AsObject();
        var masked = ConfigSecrets.Mask(config);
        var output = masked["output"]!;

        Assert.Equal("elastic", (string)output["username"]!);
        Assert.Equal("[hidden]", (string)output["password"]!);
        Assert.Equal("${ES_API_KEY}", (string)output["api_key"]!);
        Assert.Equal("https://elastic:[hidden]@es1:9200", (string)output["hosts"]![0]!);
        Assert.Equal("https://es2:9200", (string)output["hosts"]![1]!);
        Assert.Equal("https://u:${PW}@es3", (string)output["hosts"]![2]!);
        Assert.Equal("redis1:6379,password=[hidden],ssl=true", (string)output["configuration"]!);
        Assert.Equal(6379, (int)output["port"]!);
        Assert.Equal("[hidden]", (string)output["token"]!);
        Assert.Equal("[hidden]", (string)masked["filters"]![0]!["mutate"]!["add_field"]!["secret"]!);
        Assert.DoesNotContain("s3cret", masked.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pw1", masked.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", masked.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("s3cret", (string)config["output"]!["password"]!); // the input is untouched
    }

    [Fact]
    public void A_masked_configuration_sent_back_keeps_the_stored_secrets()
    {
        var stored = JsonNode.Parse("""{"output": {"password": "s3cret", "hosts": ["https://elastic:pw1@es1:9200"], "configuration": "r:6379,password=hunter2"}, "input": {"workers": 1}}""")!.AsObject();
        var edited = ConfigSecrets.Mask(stored);
        edited["input"]!["workers"] = 3;

        var restored = ConfigSecrets.RestoreMasked(edited, stored);

        Assert.Equal("s3cret", (string)restored["output"]!["password"]!);
        Assert.Equal("https://elastic:pw1@es1:9200", (string)restored["output"]!["hosts"]![0]!);
        Assert.Equal("r:6379,password=hunter2", (string)restored["output"]!["configuration"]!);
        Assert.Equal(3, (int)restored["input"]!["workers"]!);
    }

    [Fact]
    public void A_new_secret_replaces_the_stored_one()
    {
        var stored = JsonNode.Parse("""{"output": {"password": "old"}}""")!.AsObject();
        var incoming = JsonNode.Parse("""{"output": {"password": "${NEW_PASSWORD}"}}""")!.AsObject();
        Assert.Equal("${NEW_PASSWORD}", (string)ConfigSecrets.RestoreMasked(incoming, stored)["output"]!["password"]!);
    }

    [Fact]
    public void A_masked_secret_with_nothing_stored_is_a_config_error()
    {
        var incoming = JsonNode.Parse("""{"output": {"password": "[hidden]"}}""")!.AsObject();
        var ex = Assert.Throws<ConfigException>(() => ConfigSecrets.RestoreMasked(incoming, null));
        Assert.Equal("output.password", ex.Key);

        var moved = JsonNode.Parse("""{"output": {"password": "other"}}""")!.AsObject();
        Assert.Throws<ConfigException>(() => ConfigSecrets.RestoreMasked(JsonNode.Parse("""{"output": {"password": "${A:-[hidden]}"}}""")!.AsObject(), moved));
    }

    [Fact]
    public void Values_lists_the_expanded_secrets_and_redact_removes_them()
    {
        var expanded = JsonNode.Parse("""{"output": {"password": "s3cret", "hosts": ["https://u:p%40ss@es1"], "configuration": "r:1,password=hunter2", "username": "elastic"}}""")!.AsObject();
        var values = ConfigSecrets.Values(expanded);
        Assert.Contains("s3cret", values);
        Assert.Contains("p%40ss", values);
        Assert.Contains("p@ss", values);
        Assert.Contains("hunter2", values);
        Assert.DoesNotContain("elastic", values);
        Assert.Equal("auth failed for elastic with [hidden] at https://u:[hidden]@es1 ([hidden])",
            ConfigSecrets.Redact("auth failed for elastic with s3cret at https://u:p%40ss@es1 (p@ss)", values));
    }
}
