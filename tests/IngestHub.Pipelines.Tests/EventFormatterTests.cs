using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using IngestHub.Pipelines.Events;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class EventFormatterTests
{
    private static LogEvent Sample()
    {
        var e = Fields("""{"service":"api","http":{"status":503},"list":["a","b"],"obj":{"k":true},"@timestamp":"2024-03-09T23:30:00.000Z"}""");
        e.Set("@metadata.index", "logs");
        return e;
    }

    [Theory]
    [InlineData("logs-%{service}-%{+yyyy.MM.dd}", "logs-api-2024.03.09")]
    [InlineData("%{[http][status]}", "503")]
    [InlineData("%{http.status}/%{list}/%{obj}", "503/a,b/{\"k\":true}")]
    [InlineData("%{[@metadata][index]}-%{+YYYY.MM}", "logs-2024.03")]
    [InlineData("%{+%s}", "1710027000")]
    [InlineData("%{+HH:mm}Z", "23:30Z")]
    [InlineData("no references", "no references")]
    [InlineData("%{missing}-x", "%{missing}-x")]
    [InlineData("%{unterminated", "%{unterminated")]
    [InlineData("%{[bad}", "%{[bad}")]
    [InlineData("", "")]
    public void Formats_fields_and_dates(string template, string expected)
    {
        Assert.Equal(expected, EventFormatter.Format(template, Sample()));
    }

    [Fact]
    public void Date_math_uses_utc_and_reports_constant_templates()
    {
        var e = Message("x");
        e.Timestamp = new DateTimeOffset(2024, 1, 1, 0, 30, 0, TimeSpan.FromHours(2));
        Assert.Equal("2023.12.31", EventFormatter.Format("%{+yyyy.MM.dd}", e));
        Assert.True(EventFormatter.Compile("plain-index").IsConstant);
        Assert.False(EventFormatter.Compile("idx-%{a}").IsConstant);
    }

    [Fact]
    public void Formatting_never_throws()
    {
        var pieces = Gen.Elements("%{", "}", "%{+", "yyyy", "[", "]", "service", "@metadata", "%{+%s}", ".", "Q", "'", "%", "{", "http.status", "[a][b]", "");
        var template = Gen.OneOf(
            Gen.ListOf(pieces).Select(p => string.Concat(p)),
            ArbMap.Default.GeneratorFor<string>().Where(s => s is not null));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(template.ToArbitrary(), t =>
        {
            var text = EventFormatter.Format(t, Sample());
            Assert.NotNull(text);
        }));
    }
}
