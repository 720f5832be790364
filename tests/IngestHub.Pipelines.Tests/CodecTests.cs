using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Events;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class CodecTests
{
    private static (List<LogEvent> Events, List<DecodeFailure> Failures) Decode(ICodec codec, KafkaRecord record)
    {
        var events = new List<LogEvent>();
        var failures = new List<DecodeFailure>();
        codec.Decode(record, events, failures);
        return (events, failures);
    }

    [Fact]
    public void Json_object_becomes_fields_with_kafka_metadata_and_record_timestamp()
    {
        var (events, failures) = Decode(new JsonCodec(), Record("""{"level":"info","http":{"status":200}}""", topic: "web", partition: 3, offset: 42, key: "k1"));
        Assert.Empty(failures);
        var e = Assert.Single(events);
        Assert.Equal("info", e.GetString("level"));
        Assert.Equal(200, e.Get("http.status")!.GetValue<int>());
        Assert.Equal("2023-11-14T22:13:20.123Z", e.GetString("@timestamp"));
        Assert.Equal("web", e.GetString("[@metadata][kafka][topic]"));
        Assert.Equal(3, e.Get("@metadata.kafka.partition")!.GetValue<int>());
        Assert.Equal(42, e.Get("@metadata.kafka.offset")!.GetValue<long>());
        Assert.Equal("k1", e.GetString("@metadata.kafka.key"));
        Assert.Equal(1_700_000_000_123, e.Get("@metadata.kafka.timestamp")!.GetValue<long>());
        Assert.Equal(new SourcePosition("web", 3, 42), e.Source);
        Assert.False(e.Fields.ContainsKey("@metadata"));
    }

    [Fact]
    public void Json_document_timestamp_wins_over_record_timestamp()
    {
        var (events, _) = Decode(new JsonCodec(), Record("""{"@timestamp":"2024-05-01T10:00:00+02:00","m":1}"""));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero), Assert.Single(events).Timestamp);
    }

    [Fact]
    public void Json_invalid_document_timestamp_is_kept_aside_and_tagged()
    {
        var (events, _) = Decode(new JsonCodec(), Record("""{"@timestamp":"yesterday"}"""));
        var e = Assert.Single(events);
        Assert.Equal("\"yesterday\"", e.GetString("_@timestamp"));
        Assert.Contains("_timestampparsefailure", Tags(e));
        Assert.Equal("2023-11-14T22:13:20.123Z", e.GetString("@timestamp"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("{\"a\":")]
    public void Json_non_object_or_invalid_value_is_a_failure_with_reason(string value)
    {
        var (events, failures) = Decode(new JsonCodec(), Record(value, offset: 9));
        Assert.Empty(events);
        var f = Assert.Single(failures);
        Assert.Equal(9, f.Source.Offset);
        Assert.StartsWith("json:", f.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Tombstone_yields_nothing()
    {
        foreach (ICodec codec in new ICodec[] { new JsonCodec(), new PlainCodec(), new NdjsonCodec() })
        {
            var (events, failures) = Decode(codec, Record(null));
            Assert.Empty(events);
            Assert.Empty(failures);
        }
    }

    [Fact]
    public void Plain_puts_the_line_without_its_ending_in_message()
    {
        var (events, _) = Decode(new PlainCodec(), Record("hello wörld\r\n"));
        Assert.Equal("hello wörld", Assert.Single(events).GetString("message"));
    }

    [Fact]
    public void Record_without_timestamp_uses_the_clock()
    {
        var now = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var (events, _) = Decode(new PlainCodec(new FixedClock(now)), Record("x", timestamp: -1));
        Assert.Equal(now, Assert.Single(events).Timestamp);
    }

    [Fact]
    public void Ndjson_bad_line_fails_alone()
    {
        var (events, failures) = Decode(new NdjsonCodec(), Record("{\"a\":1}\n\n{oops}\r\n{\"a\":3}\n"));
        Assert.Equal([1, 3], events.Select(e => e.Get("a")!.GetValue<int>()));
        var f = Assert.Single(failures);
        Assert.Equal(3, f.Line);
        Assert.All(events, e => Assert.Equal(7, e.Source.Offset));
    }

    [Fact]
    public void Headers_are_exposed_in_metadata()
    {
        var record = Record("x") with { Headers = [new KafkaHeader("trace", Encoding.UTF8.GetBytes("abc")), new KafkaHeader("empty", null)] };
        var (events, _) = Decode(new PlainCodec(), record);
        var e = Assert.Single(events);
        Assert.Equal("abc", e.GetString("@metadata.kafka.headers.trace"));
        Assert.True(e.Has("@metadata.kafka.headers.empty"));
    }

    [Fact]
    public void Json_codec_round_trips_string_keyed_objects()
    {
        var keys = Gen.Elements("a", "b", "msg", "host.name", "ü", "", "x y", "tags", "n").Select(k => k);
        var leaf = Gen.OneOf(
            ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).Select(s => (JsonNode?)JsonValue.Create(s)),
            ArbMap.Default.GeneratorFor<int>().Select(i => (JsonNode?)JsonValue.Create(i)),
            ArbMap.Default.GeneratorFor<bool>().Select(b => (JsonNode?)JsonValue.Create(b)),
            Gen.Constant<JsonNode?>(null));
        var obj = Gen.ListOf(Gen.Zip(Gen.OneOf(keys, ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && s != "@timestamp")), Gen.OneOf(leaf, Gen.ListOf(leaf).Select(l => (JsonNode?)new JsonArray([.. l.Select(n => n?.DeepClone())])))))
            .Select(pairs =>
            {
                var o = new JsonObject();
                foreach (var (k, v) in pairs)
                    o[k] = v?.DeepClone();
                return o;
            });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(obj.ToArbitrary(), original =>
        {
            var bytes = Encoding.UTF8.GetBytes(original.ToJsonString());
            var (events, failures) = Decode(new JsonCodec(), Record(null) with { Value = bytes });
            Assert.Empty(failures);
            var fields = (JsonObject)Assert.Single(events).Fields.DeepClone();
            fields.Remove("@timestamp");
            Assert.True(JsonNode.DeepEquals(original, fields), $"{original.ToJsonString()} != {fields.ToJsonString()}");
        }));
    }
}
