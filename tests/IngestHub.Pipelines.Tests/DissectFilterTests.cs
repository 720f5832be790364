using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Filters;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class DissectFilterTests
{
    private static IngestHub.Pipelines.Events.LogEvent Run(string pattern, string message, string extra = "", FilterOutcome expected = FilterOutcome.Success)
    {
        var filter = Filter("dissect", $$"""{"mapping":{"message":{{System.Text.Json.JsonSerializer.Serialize(pattern)}}}{{extra}}}""");
        var e = Message(message);
        Assert.Equal(expected, filter.Apply(e));
        return e;
    }

    [Fact]
    public void Splits_by_delimiters_with_append_for_multi_part_timestamp()
    {
        var e = Run("%{ts} %{+ts} %{+ts} %{src} %{} %{prog}[%{pid}]: %{msg}", "Mar 16 00:01:25 evita skip postfix/smtpd[1713]: connect from camomile");
        Assert.Equal("Mar 16 00:01:25", e.GetString("ts"));
        Assert.Equal("evita", e.GetString("src"));
        Assert.Equal("postfix/smtpd", e.GetString("prog"));
        Assert.Equal("1713", e.GetString("pid"));
        Assert.Equal("connect from camomile", e.GetString("msg"));
        Assert.Empty(Tags(e));
    }

    [Fact]
    public void Right_padding_skips_repeated_delimiters()
    {
        var e = Run("%{level->} %{msg}", "INFO     service started");
        Assert.Equal("INFO", e.GetString("level"));
        Assert.Equal("service started", e.GetString("msg"));
    }

    [Fact]
    public void Without_padding_repeated_delimiters_leave_empty_fields()
    {
        var e = Run("%{a} %{b} %{c}", "x  y");
        Assert.Equal("x", e.GetString("a"));
        Assert.Equal("", e.GetString("b"));
        Assert.Equal("y", e.GetString("c"));
    }

    [Fact]
    public void Named_skip_and_reference_build_key_value_fields()
    {
        var e = Run("%{?k1}=%{&k1} %{?k2}=%{&k2}", "user=alice action=login");
        Assert.Equal("alice", e.GetString("user"));
        Assert.Equal("login", e.GetString("action"));
        Assert.False(e.Has("k1"));
    }

    [Fact]
    public void Append_order_and_separator()
    {
        var e = Run("%{+name/2} %{+name/1}", "world hello", ""","append_separator":"-" """);
        Assert.Equal("hello-world", e.GetString("name"));
    }

    [Fact]
    public void Leading_and_trailing_literals_and_nested_targets()
    {
        var e = Run("[%{[http][method]}] <%{code}>", "[GET] <404> trailing ignored", ""","convert_datatype":{"code":"int"}""");
        Assert.Equal("GET", e.GetString("http.method"));
        Assert.Equal(404, e.Get("code")!.GetValue<long>());
    }

    [Theory]
    [InlineData("%{a} - %{b}", "no dash here")]
    [InlineData("[%{a}]", "missing bracket")]
    public void Mismatch_tags_dissectfailure_and_sets_nothing(string pattern, string message)
    {
        var e = Run(pattern, message, expected: FilterOutcome.Failure);
        Assert.Equal(["_dissectfailure"], Tags(e));
        Assert.False(e.Has("a"));
    }

    [Fact]
    public void Missing_source_field_is_a_failure()
    {
        var filter = Filter("dissect", """{"mapping":{"other":"%{a} %{b}"}}""");
        var e = Message("a b");
        Assert.Equal(FilterOutcome.Failure, filter.Apply(e));
        Assert.Contains("_dissectfailure", Tags(e));
    }

    [Theory]
    [InlineData("""{"mapping":{"message":"%{a}%{b}"}}""", "filters[0].dissect.mapping.message: fields")]
    [InlineData("""{"mapping":{"message":"no fields"}}""", "filters[0].dissect.mapping.message: has no %{field}")]
    [InlineData("""{"mapping":{"message":"%{a"}}""", "filters[0].dissect.mapping.message: unterminated")]
    [InlineData("""{"mapping":{}}""", "filters[0].dissect.mapping: is required")]
    [InlineData("""{"mapping":{"message":"%{a} %{b}"},"convert_datatype":{"b":"date"}}""", "filters[0].dissect.convert_datatype.b: must be int or float")]
    public void Invalid_mappings_name_the_key(string settings, string expectedPrefix)
    {
        var ex = Assert.Throws<ConfigException>(() => Filter("dissect", settings));
        Assert.StartsWith(expectedPrefix, ex.Message, StringComparison.Ordinal);
    }
}
