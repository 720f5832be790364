using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

public sealed class IndexNameTemplateTests
{
    private static LogEvent Event()
    {
        var e = new LogEvent(new JsonObject { ["service"] = new JsonObject { ["name"] = "Checkout" }, ["code"] = 503 }, new JsonObject { ["target"] = "Audit" });
        e.Timestamp = new DateTimeOffset(2024, 12, 31, 23, 59, 59, TimeSpan.FromHours(-2)); // 2025-01-01 01:59:59Z
        return e;
    }

    [Theory]
    [InlineData("logs-%{+yyyy.MM.dd}", "logs-2025.01.01")]
    [InlineData("%{service.name}-%{+yyyy.MM}", "checkout-2025.01")]
    [InlineData("[%{[service][name]}]", "[checkout]")]
    [InlineData("x-%{@metadata.target}-%{code}", "x-audit-503")]
    [InlineData("plain", "plain")]
    public void Renders_date_math_in_utc_and_lowercased_fields(string pattern, string expected) =>
        Assert.Equal(expected, IndexNameTemplate.Parse(pattern, "index", lowercaseFields: true).Render(Event()));

    [Fact]
    public void Document_id_templates_keep_case() =>
        Assert.Equal("Checkout-503", IndexNameTemplate.Parse("%{service.name}-%{code}", "document_id", lowercaseFields: false).Render(Event()));

    [Theory]
    [InlineData("logs-%{missing}")]
    [InlineData("logs-%{service}")]
    public void Absent_or_object_fields_do_not_render(string pattern) =>
        Assert.Null(IndexNameTemplate.Parse(pattern, "index", lowercaseFields: true).Render(Event()));

    [Theory]
    [InlineData("logs-%{+yyyy")]
    [InlineData("logs-%{}")]
    [InlineData("logs-%{a..b}")]
    public void Malformed_patterns_name_the_key(string pattern)
    {
        var error = Assert.Throws<ConfigException>(() => IndexNameTemplate.Parse(pattern, "index", lowercaseFields: true));
        Assert.Equal("index", error.Key);
    }

    [Fact]
    public void Wildcard_pattern_replaces_interpolations() =>
        Assert.Equal("logs-*-x-*", IndexNameTemplate.Parse("logs-%{a}%{+yyyy}-x-%{+MM}", "index", true).WildcardPattern);
}
