using IngestHub.Pipelines.Filters;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class JsonFilterTests
{
    [Fact]
    public void Parses_message_into_root_and_takes_its_timestamp()
    {
        var e = Message("""{"user":{"id":7},"@timestamp":"2024-01-01T00:00:00Z"}""");
        Assert.Equal(FilterOutcome.Success, Filter("json", "{}").Apply(e));
        Assert.Equal(7, e.Get("user.id")!.GetValue<int>());
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), e.Timestamp);
    }

    [Fact]
    public void Parses_source_into_target()
    {
        var e = Fields("""{"payload":"[1,2,3]"}""");
        Assert.Equal(FilterOutcome.Success, Filter("json", """{"source":"payload","target":"[data][items]"}""").Apply(e));
        Assert.Equal("[1,2,3]", e.Get("data.items")!.ToJsonString());
    }

    [Theory]
    [InlineData("{broken")]
    [InlineData("[1,2]")]
    public void Invalid_json_or_non_object_at_root_tags_jsonparsefailure(string text)
    {
        var e = Message(text);
        Assert.Equal(FilterOutcome.Failure, Filter("json", "{}").Apply(e));
        Assert.Equal(["_jsonparsefailure"], Tags(e));
        Assert.Equal(text, e.GetString("message"));
    }

    [Fact]
    public void Missing_source_is_left_alone()
    {
        var e = Fields("""{"a":1}""");
        Assert.Equal(FilterOutcome.Success, Filter("json", "{}").Apply(e));
        Assert.Empty(Tags(e));
    }
}
