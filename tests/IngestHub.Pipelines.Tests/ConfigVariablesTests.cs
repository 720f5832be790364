using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using Xunit;

namespace IngestHub.Pipelines.Tests;

public sealed class ConfigVariablesTests
{
    private static readonly Dictionary<string, string> s_environment = new()
    {
        ["ES_PASSWORD"] = "s3cret",
        ["REDIS_HOST"] = "redis.internal",
        ["WORKERS"] = "4",
        ["EMPTY"] = "",
    };

    private static string? Lookup(string name) => s_environment.GetValueOrDefault(name);

    private static JsonObject Expand(string json) => ConfigVariables.Expand(JsonNode.Parse(json)!.AsObject(), Lookup);

    [Fact]
    public void References_in_string_values_are_replaced_from_the_environment_and_the_input_is_left_as_written()
    {
        var config = JsonNode.Parse("""{"output": {"password": "${ES_PASSWORD}", "hosts": ["http://${REDIS_HOST}:9200", "x"]}, "input": {"workers": "${WORKERS}"}}""")!.AsObject();
        var expanded = ConfigVariables.Expand(config, Lookup);

        Assert.Equal("s3cret", (string)expanded["output"]!["password"]!);
        Assert.Equal("http://redis.internal:9200", (string)expanded["output"]!["hosts"]![0]!);
        Assert.Equal("4", (string)expanded["input"]!["workers"]!);
        Assert.Equal("${ES_PASSWORD}", (string)config["output"]!["password"]!);
    }

    [Fact]
    public void Fallback_applies_when_the_variable_is_unset_or_empty()
    {
        var expanded = Expand("""{"a": "${NOT_SET_ANYWHERE:-fallback}", "b": "${EMPTY:-used}", "c": "${ES_PASSWORD:-unused}", "d": "${NOT_SET_ANYWHERE:-}"}""");
        Assert.Equal("fallback", (string)expanded["a"]!);
        Assert.Equal("used", (string)expanded["b"]!);
        Assert.Equal("s3cret", (string)expanded["c"]!);
        Assert.Equal("", (string)expanded["d"]!);
    }

    [Fact]
    public void A_missing_variable_is_a_config_error_naming_the_key_and_the_variable()
    {
        var ex = Assert.Throws<ConfigException>(() => Expand("""{"output": {"type": "redis", "password": "pre-${NOT_SET_ANYWHERE}"}}"""));
        Assert.Equal("output.password", ex.Key);
        Assert.Contains("NOT_SET_ANYWHERE", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not set", ex.Message, StringComparison.Ordinal);

        var inList = Assert.Throws<ConfigException>(() => Expand("""{"output": {"hosts": ["ok", "${NOT_SET_ANYWHERE}"]}}"""));
        Assert.Equal("output.hosts[1]", inList.Key);
    }

    [Fact]
    public void An_empty_variable_without_fallback_is_used_as_empty()
    {
        Assert.Equal("", (string)Expand("""{"a": "${EMPTY}"}""")["a"]!);
    }

    [Fact]
    public void Double_dollar_brace_is_a_literal_and_a_lone_dollar_stays()
    {
        var expanded = Expand("""{"a": "$${ES_PASSWORD}", "b": "cost $5 and $ {x}", "c": "%{field} ${WORKERS}$", "d": "$$${WORKERS}"}""");
        Assert.Equal("${ES_PASSWORD}", (string)expanded["a"]!);
        Assert.Equal("cost $5 and $ {x}", (string)expanded["b"]!);
        Assert.Equal("%{field} 4$", (string)expanded["c"]!);
        Assert.Equal("$${WORKERS}", (string)expanded["d"]!); // "$$" + "${" escape: the first $ stays, the escape gives "${"
    }

    [Theory]
    [InlineData("${ES_PASSWORD", "without its closing")]
    [InlineData("${}", "is not a variable reference")]
    [InlineData("${1ABC}", "is not a variable reference")]
    [InlineData("${ES-PASSWORD}", "is not a variable reference")]
    [InlineData("${ES_PASSWORD:default}", "is not a variable reference")]
    public void A_malformed_reference_is_a_config_error(string value, string problem)
    {
        var ex = Assert.Throws<ConfigException>(() => Expand(new JsonObject { ["output"] = new JsonObject { ["password"] = value } }.ToJsonString()));
        Assert.Equal("output.password", ex.Key);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Contains("$${", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_numbers_and_booleans_are_never_expanded()
    {
        var expanded = Expand("""{"${WORKERS}": 1, "n": 5, "b": true, "z": null}""");
        Assert.True(expanded.ContainsKey("${WORKERS}"));
        Assert.Equal(5, (int)expanded["n"]!);
        Assert.True((bool)expanded["b"]!);
        Assert.Null(expanded["z"]);
    }

    [Fact]
    public void Without_a_lookup_the_process_environment_is_read()
    {
        string name = "INGESTHUB_TEST_" + Guid.NewGuid().ToString("N").ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, "from-the-process");
        try
        {
            Assert.Equal("from-the-process", ConfigVariables.ExpandString("${" + name + "}", "k"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
