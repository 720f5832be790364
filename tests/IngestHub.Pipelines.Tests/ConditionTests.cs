using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Filters;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class ConditionTests
{
    private const string Doc = """{"verb":"options","status":404,"code":"404","tags":["a","b"],"http":{"method":"GET"},"nothing":null}""";

    [Theory]
    [InlineData("""{"field":"verb","equals":"options"}""", true)]
    [InlineData("""{"field":"verb","equals":"OPTIONS"}""", false)]
    [InlineData("""{"field":"status","equals":404}""", true)]
    [InlineData("""{"field":"status","equals":"404"}""", true)]
    [InlineData("""{"field":"code","equals":404}""", true)]
    [InlineData("""{"field":"missing","equals":"x"}""", false)]
    [InlineData("""{"field":"verb","not_equals":"get"}""", true)]
    [InlineData("""{"field":"missing","not_equals":"x"}""", true)]
    [InlineData("""{"field":"[http][method]","regex":"^(GET|HEAD)$"}""", true)]
    [InlineData("""{"field":"http.method","regex":"POST"}""", false)]
    [InlineData("""{"field":"http.method","exists":true}""", true)]
    [InlineData("""{"field":"nothing","exists":true}""", true)]
    [InlineData("""{"field":"missing","exists":false}""", true)]
    [InlineData("""{"field":"status","in":[200,404]}""", true)]
    [InlineData("""{"field":"verb","in":["get","post"]}""", false)]
    [InlineData("""{"field":"tags","contains":"b"}""", true)]
    [InlineData("""{"field":"verb","contains":"tion"}""", true)]
    [InlineData("""{"all":[{"field":"verb","equals":"options"},{"field":"status","equals":500}]}""", false)]
    [InlineData("""{"any":[{"field":"verb","equals":"get"},{"field":"status","equals":404}]}""", true)]
    [InlineData("""{"not":{"field":"verb","equals":"options"}}""", false)]
    public void Drop_if_condition(string condition, bool dropped)
    {
        var filter = Filter("drop", $$"""{"if":{{condition}}}""");
        Assert.Equal(dropped ? FilterOutcome.Drop : FilterOutcome.Success, filter.Apply(Fields(Doc)));
    }

    [Fact]
    public void Drop_without_condition_drops_everything()
    {
        Assert.Equal(FilterOutcome.Drop, Filter("drop", "{}").Apply(Message("x")));
    }

    [Fact]
    public void If_guards_any_filter_and_its_common_options()
    {
        var filter = Filter("mutate", """{"if":{"field":"level","equals":"debug"},"uppercase":["message"],"add_tag":["debug"]}""");
        var debug = Fields("""{"level":"debug","message":"m"}""");
        var info = Fields("""{"level":"info","message":"m"}""");
        filter.Apply(debug);
        filter.Apply(info);
        Assert.Equal("M", debug.GetString("message"));
        Assert.Equal(["debug"], Tags(debug));
        Assert.Equal("m", info.GetString("message"));
        Assert.Empty(Tags(info));
    }

    [Fact]
    public void Common_options_apply_only_on_success()
    {
        var filter = Filter("grok", """{"match":{"message":"%{INT:n}"},"add_tag":["parsed"],"remove_field":["message"]}""");
        var ok = Message("n=5");
        var bad = Message("none");
        filter.Apply(ok);
        filter.Apply(bad);
        Assert.Equal(["parsed"], Tags(ok));
        Assert.False(ok.Has("message"));
        Assert.Equal(["_grokparsefailure"], Tags(bad));
        Assert.True(bad.Has("message"));
    }

    [Theory]
    [InlineData("""{"if":"verb == get"}""", "filters[0].drop.if: must be an object")]
    [InlineData("""{"if":{"field":"verb"}}""", "filters[0].drop.if: needs one of")]
    [InlineData("""{"if":{"equals":"x"}}""", "filters[0].drop.if.field: is required")]
    [InlineData("""{"if":{"field":"v","equals":1,"regex":"x"}}""", "filters[0].drop.if.regex: cannot be combined with equals")]
    [InlineData("""{"if":{"field":"v","regex":"("}}""", "filters[0].drop.if.regex: invalid regular expression")]
    [InlineData("""{"if":{"field":"v","in":"x"}}""", "filters[0].drop.if.in: must be a list")]
    [InlineData("""{"if":{"any":[{"field":"v"}]}}""", "filters[0].drop.if.any[0]: needs one of")]
    [InlineData("""{"if":{"field":"v","equal":1}}""", "filters[0].drop.if.equal: unknown key")]
    [InlineData("""{"percentage":50}""", "filters[0].drop.percentage: unknown key")]
    public void Invalid_conditions_name_the_key(string settings, string expectedPrefix)
    {
        var ex = Assert.Throws<ConfigException>(() => Filter("drop", settings));
        Assert.StartsWith(expectedPrefix, ex.Message, StringComparison.Ordinal);
    }
}
