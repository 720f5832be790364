using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Events;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

/// <summary>An event the json codec passes through unparsed must read, change and serialize exactly like the
/// same document parsed up front.</summary>
public sealed class PassThroughEventTests
{
    private static LogEvent DecodeOne(string json)
    {
        var events = new List<LogEvent>();
        var failures = new List<DecodeFailure>();
        new JsonCodec().Decode(Record(json, topic: "web", partition: 2, offset: 9, key: "k"), events, failures);
        Assert.Empty(failures);
        return Assert.Single(events);
    }

    private static string Serialized(LogEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
            e.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData("""{"level":"info","n":1,"http":{"status":200,"tags":["a","b"]}}""")]
    [InlineData("""{}""")]
    [InlineData("""  { "spaced" : [ 1 , 2 ] , "x" : null }  """)]
    [InlineData("""{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]}""")]
    public void Unchanged_object_is_shipped_as_written_plus_the_record_timestamp(string json)
    {
        var e = DecodeOne(json);
        Assert.True(e.IsPassThrough);
        Assert.Equal(new DateTimeOffset(2023, 11, 14, 22, 13, 20, 123, TimeSpan.Zero), e.Timestamp);
        var shipped = JsonNode.Parse(Serialized(e))!.AsObject();
        Assert.True(e.IsPassThrough); // serializing did not parse it

        var expected = JsonNode.Parse(json)!.AsObject();
        expected["@timestamp"] = "2023-11-14T22:13:20.123Z";
        Assert.True(JsonNode.DeepEquals(expected, shipped), shipped.ToJsonString());
        // Reading a field parses once; the serialized form is then the parsed one, with the same content.
        Assert.Equal("web", e.GetString("@metadata.kafka.topic"));
        Assert.Equal("k", e.GetString("@metadata.kafka.key"));
        Assert.True(JsonNode.DeepEquals(expected, e.Fields));
        Assert.False(e.IsPassThrough);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(Serialized(e))));
    }

    [Fact]
    public void Metadata_alone_does_not_parse_the_document()
    {
        var e = DecodeOne("""{"m":"x"}""");
        Assert.Equal(9, e.Get("@metadata.kafka.offset")!.GetValue<long>());
        Assert.True(e.IsPassThrough);
    }

    [Fact]
    public void A_filter_change_is_serialized()
    {
        var e = DecodeOne("""{"m":"x"}""");
        e.Set("added", 5);
        Assert.Equal("""{"m":"x","@timestamp":"2023-11-14T22:13:20.123Z","added":5}""", Serialized(e));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"o":{"a":1,"a":2}}""")]
    [InlineData("""{"a":1,"b":2,"a":3}""")]
    public void Duplicate_names_are_a_decode_failure_as_before(string json)
    {
        var events = new List<LogEvent>();
        var failures = new List<DecodeFailure>();
        new JsonCodec().Decode(Record(json), events, failures);
        Assert.Empty(events);
        Assert.StartsWith("json:", Assert.Single(failures).Reason);
    }

    [Theory]
    [InlineData("""{"a":1}x""")]
    [InlineData("""{"a":1""")]
    [InlineData("""[{"a":1}]""")]
    public void Malformed_or_non_object_values_still_fail(string json)
    {
        var events = new List<LogEvent>();
        var failures = new List<DecodeFailure>();
        new JsonCodec().Decode(Record(json), events, failures);
        Assert.Empty(events);
        Assert.Single(failures);
    }

    [Fact]
    public void Document_with_its_own_timestamp_or_escaped_names_is_parsed_up_front()
    {
        Assert.False(DecodeOne("""{"@timestamp":"2024-05-01T10:00:00Z","m":1}""").IsPassThrough);
        var escaped = DecodeOne("""{"a\u0062":1}""");
        Assert.False(escaped.IsPassThrough);
        Assert.Equal(1, escaped.Get("ab")!.GetValue<int>());
    }
}
