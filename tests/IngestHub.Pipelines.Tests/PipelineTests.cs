using IngestHub.Pipelines.Configuration;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class PipelineTests
{
    private static readonly Pipeline WebLogs = Pipeline.Compile(PipelineDefinition.FromYaml(PipelineDefinitionTests.WebLogsYaml));

    private static string AccessLine(string verb) =>
        $$"""{"message":"127.0.0.1 - - [17/May/2015:10:05:03 +0000] \"{{verb}} /index.html HTTP/1.1\" 200 512 \"-\" \"curl/8.0\""}""";

    [Fact]
    public void Record_runs_through_codec_and_filters_in_order()
    {
        var output = WebLogs.Process(Record(AccessLine("GET"), topic: "web-logs", partition: 2, offset: 11));
        Assert.Empty(output.Failures);
        Assert.Equal(0, output.Dropped);
        var e = Assert.Single(output.Events);
        Assert.Equal("127.0.0.1", e.GetString("client.ip"));
        Assert.Equal("get", e.GetString("verb"));
        Assert.Equal(200, e.Get("response")!.GetValue<long>());
        Assert.Equal(512, e.Get("bytes")!.GetValue<long>());
        Assert.Equal("prod", e.GetString("env"));
        Assert.False(e.Has("timestamp"));
        Assert.Equal("2015-05-17T10:05:03.000Z", e.GetString("@timestamp"));
        Assert.Equal("web-logs-2-11", e.Source.DocumentId);
    }

    [Fact]
    public void Drop_condition_counts_dropped_events()
    {
        var output = WebLogs.Process(Record(AccessLine("OPTIONS")));
        Assert.Empty(output.Events);
        Assert.Equal(1, output.Dropped);
    }

    [Fact]
    public void Decode_failures_and_filter_failures_are_reported_and_batches_accumulate()
    {
        var output = new PipelineOutput();
        WebLogs.Process(Record("not json", offset: 1), output);
        WebLogs.Process(Record("""{"message":"garbage"}""", offset: 2), output);
        WebLogs.Process(Record(AccessLine("POST"), offset: 3), output);
        Assert.Equal(1, Assert.Single(output.Failures).Source.Offset);
        Assert.Equal([2L, 3L], output.Events.Select(e => e.Source.Offset));
        Assert.Contains("_grokparsefailure", Tags(output.Events[0]));
        Assert.Equal(1, output.FilterFailures);
        output.Clear();
        Assert.Empty(output.Events);
    }

    [Fact]
    public void Ndjson_record_with_a_dropped_line_keeps_the_others_in_order()
    {
        var pipeline = Pipeline.Compile(PipelineDefinition.FromYaml("""
            name: nd
            input: { topics: [nd] }
            codec: ndjson
            filters:
              - drop: { if: { field: level, equals: debug } }
            output: { type: redis }
            """));
        var output = pipeline.Process(Record("{\"level\":\"info\",\"n\":1}\n{\"level\":\"debug\",\"n\":2}\n{\"level\":\"warn\",\"n\":3}\n"));
        Assert.Equal([1, 3], output.Events.Select(e => e.Get("n")!.GetValue<int>()));
        Assert.Equal(1, output.Dropped);
    }
}
