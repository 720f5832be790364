using System.Text.Json.Nodes;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Configuration;
using Xunit;

namespace IngestHub.Pipelines.Tests;

public sealed class PipelineDefinitionTests
{
    internal const string WebLogsYaml = """
        name: web-logs
        input:
          topics: [web-logs]
          group.id: web-logs
          workers: 4
          start: earliest
        codec: json
        filters:
          - grok: { match: { message: "%{COMBINEDAPACHELOG}" } }
          - date: { match: [timestamp, "dd/MMM/yyyy:HH:mm:ss Z"] }
          - mutate: { rename: { clientip: client.ip }, remove_field: [timestamp], lowercase: [verb], convert: { response: integer, bytes: integer }, add_field: { env: prod } }
          - drop: { if: { field: verb, equals: options } }
        output:
          type: redis
          batch.size: 500
          linger.ms: 50
          key: "logs:%{verb}"
        errors:
          tolerance: all
          deadletterqueue.topic.name: web-logs.dlq
        """;

    private const string WebLogsJson = """
        {
          "name": "web-logs",
          "input": { "topics": ["web-logs"], "group.id": "web-logs", "workers": "4", "start": "earliest" },
          "codec": "json",
          "filters": [
            { "grok": { "match": { "message": "%{COMBINEDAPACHELOG}" } } },
            { "date": { "match": ["timestamp", "dd/MMM/yyyy:HH:mm:ss Z"] } },
            { "mutate": { "rename": { "clientip": "client.ip" }, "remove_field": ["timestamp"], "lowercase": ["verb"], "convert": { "response": "integer", "bytes": "integer" }, "add_field": { "env": "prod" } } },
            { "drop": { "if": { "field": "verb", "equals": "options" } } }
          ],
          "output": { "type": "redis", "batch.size": 500, "linger.ms": "50", "key": "logs:%{verb}" },
          "errors": { "tolerance": "all", "deadletterqueue.topic.name": "web-logs.dlq" }
        }
        """;

    [Fact]
    public void Yaml_and_json_parse_to_the_same_model()
    {
        var fromYaml = PipelineDefinition.FromYaml(WebLogsYaml);
        var fromJson = PipelineDefinition.FromJson(JsonNode.Parse(WebLogsJson)!.AsObject());
        Assert.Equal(fromJson.ToJson().ToJsonString(), fromYaml.ToJson().ToJsonString());

        Assert.Equal("web-logs", fromYaml.Name);
        Assert.Equal(["web-logs"], fromYaml.Input.Topics);
        Assert.Equal(4, fromYaml.Input.Workers);
        Assert.Equal(StartPosition.Earliest, fromYaml.Input.Start);
        Assert.Equal(CodecKind.Json, fromYaml.Codec);
        Assert.Equal(["grok", "date", "mutate", "drop"], fromYaml.Filters.Select(f => f.Type));
        Assert.Equal("redis", fromYaml.Output.Type);
        Assert.Equal(500, fromYaml.Output.BatchSize);
        Assert.Equal(50, fromYaml.Output.LingerMs);
        Assert.Equal("""{"key":"logs:%{verb}"}""", fromYaml.Output.Settings.ToJsonString());
        Assert.Equal(ErrorTolerance.All, fromYaml.Errors.Tolerance);
        Assert.Equal("web-logs.dlq", fromYaml.Errors.DeadLetterTopic);
    }

    [Fact]
    public void Defaults_fill_in_and_normalized_form_parses_back_the_same()
    {
        var d = PipelineDefinition.FromYaml("""
            name: app
            input: { topics.regex: "app-.*" }
            output: { type: elasticsearch, hosts: ["http://localhost:9200"] }
            """);
        Assert.Equal("app", d.Input.GroupId);
        Assert.Equal("app-.*", d.Input.TopicsRegex);
        Assert.Empty(d.Input.Topics);
        Assert.Equal(1, d.Input.Workers);
        Assert.Equal(StartPosition.Earliest, d.Input.Start);
        Assert.Equal(CodecKind.Plain, d.Codec);
        Assert.Empty(d.Filters);
        Assert.Equal(ErrorTolerance.None, d.Errors.Tolerance);
        Assert.Equal("app.dlq", d.Errors.DeadLetterTopic);
        var again = PipelineDefinition.FromJson(d.ToJson());
        Assert.Equal(d.ToJson().ToJsonString(), again.ToJson().ToJsonString());
    }

    [Fact]
    public void Topics_may_be_a_comma_separated_string()
    {
        var d = PipelineDefinition.FromYaml("name: n\ninput: { topics: \"a, b\" }\noutput: { type: redis }");
        Assert.Equal(["a", "b"], d.Input.Topics);
    }

    [Theory]
    [InlineData("name: web logs\ninput: {topics: [a]}\noutput: {type: redis}", "name: 'web logs' may contain only letters")]
    [InlineData("input: {topics: [a]}\noutput: {type: redis}", "name: is required")]
    [InlineData("name: n\noutput: {type: redis}", "input: is required")]
    [InlineData("name: n\ninput: {}\noutput: {type: redis}", "input.topics: is required")]
    [InlineData("name: n\ninput: {topics: [a], topics.regex: b}\noutput: {type: redis}", "input.topics.regex: cannot be combined")]
    [InlineData("name: n\ninput: {topics.regex: '('}\noutput: {type: redis}", "input.topics.regex: invalid regular expression")]
    [InlineData("name: n\ninput: {topics: ['bad topic']}\noutput: {type: redis}", "input.topics[0]: 'bad topic' may contain only")]
    [InlineData("name: n\ninput: {topics: [a], workers: 0}\noutput: {type: redis}", "input.workers: must be between 1 and 256")]
    [InlineData("name: n\ninput: {topics: [a], workers: 300}\noutput: {type: redis}", "input.workers: must be between 1 and 256")]
    [InlineData("name: n\ninput: {topics: [a], workers: many}\noutput: {type: redis}", "input.workers: must be an integer")]
    [InlineData("name: n\ninput: {topics: [a], start: middle}\noutput: {type: redis}", "input.start: must be one of earliest, latest")]
    [InlineData("name: n\ninput: {topics: [a], group_id: g}\noutput: {type: redis}", "input.group_id: unknown key")]
    [InlineData("name: n\ninput: {topics: [a]}\ncodec: xml\noutput: {type: redis}", "codec: must be one of plain, json, ndjson")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nfilter: []", "filter: unknown key")]
    [InlineData("name: n\ninput: {topics: [a]}", "output: is required")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {batch.size: 5}", "output.type: is required")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: kafka}", "output.type: unknown output kafka")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis, batch.size: 0}", "output.batch.size: must be between 1 and 100000")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis, linger.ms: -1}", "output.linger.ms: must be between 0 and 60000")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nerrors: {tolerance: some}", "errors.tolerance: must be one of none, all")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nerrors: {deadletterqueue.topic.name: 'a b'}", "errors.deadletterqueue.topic.name: 'a b' may contain")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nerrors: {dlq: x}", "errors.dlq: unknown key")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nfilters: {grok: {}}", "filters: must be a list")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nfilters: [grok]", "filters[0]: must be an object with exactly one filter name")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nfilters: [{grok: {}, date: {}}]", "filters[0]: must be an object with exactly one filter name")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nfilters: [{drop: {}}, {geoip: {}}]", "filters[1].geoip: unknown filter geoip")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nfilters: [{drop: {}}, {mutate: {}}, {grok: {match: {message: '%{FOO}'}}}]", "filters[2].grok.match.message: unknown pattern %{FOO}")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\nfilters: [{date: x}]", "filters[0].date: settings must be an object")]
    [InlineData("name: n\ninput: {topics: [a]}\noutput: {type: redis}\ninput: {}", "invalid YAML at line 4, column 1: Duplicate key")]
    [InlineData("name: [unclosed", "invalid YAML at line")]
    public void Invalid_definitions_name_the_key(string yaml, string expectedPrefix)
    {
        var ex = Assert.Throws<ConfigException>(() => PipelineDefinition.FromYaml(yaml, ["redis", "elasticsearch"]));
        Assert.StartsWith(expectedPrefix, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_body_errors_name_the_key_too()
    {
        var ex = Assert.Throws<ConfigException>(() => PipelineDefinition.FromJson(JsonNode.Parse("""{"name":"n","input":{"topics":["a"],"workers":999},"output":{"type":"redis"}}""")!.AsObject()));
        Assert.Equal("input.workers", ex.Key);
    }

    [Fact]
    public void Yaml_scalars_follow_the_core_schema()
    {
        var obj = YamlJson.ParseObject("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: yes\ng: 0x10\nh: \"true\"");
        Assert.Equal("""{"a":1,"b":1.5,"c":true,"d":null,"e":"1","f":"yes","g":"0x10","h":"true"}""", obj.ToJsonString());
    }
}
