using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Filters;
using Xunit;
using static IngestHub.Pipelines.Tests.TestEvents;

namespace IngestHub.Pipelines.Tests;

public sealed class DateFilterTests
{
    private static readonly FixedClock May2024 = new(new DateTimeOffset(2024, 5, 20, 12, 0, 0, TimeSpan.Zero));

    private static IngestHub.Pipelines.Events.LogEvent Run(string settings, JsonNode value, TimeProvider? clock = null, FilterOutcome expected = FilterOutcome.Success)
    {
        var e = new IngestHub.Pipelines.Events.LogEvent(new JsonObject { ["t"] = value });
        Assert.Equal(expected, Filter("date", settings, clock ?? May2024).Apply(e));
        return e;
    }

    [Theory]
    [InlineData("""["t","dd/MMM/yyyy:HH:mm:ss Z"]""", "17/May/2015:10:05:03 +0000", "2015-05-17T10:05:03.000Z")]
    [InlineData("""["t","dd/MMM/yyyy:HH:mm:ss Z"]""", "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36.000Z")]
    [InlineData("""["t","yyyy-MM-dd HH:mm:ss"]""", "2024-02-29 23:59:58", "2024-02-29T23:59:58.000Z")]
    [InlineData("""["t","yyyy-MM-dd HH:mm:ss,SSS"]""", "2024-02-29 23:59:58,250", "2024-02-29T23:59:58.250Z")]
    [InlineData("""["t","ISO8601"]""", "2024-05-01T12:00:00.123456+02:00", "2024-05-01T10:00:00.123Z")]
    [InlineData("""["t","ISO8601"]""", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00.000Z")]
    [InlineData("""["t","ISO8601"]""", "2024-05-01T12:00:00+0530", "2024-05-01T06:30:00.000Z")]
    [InlineData("""["t","UNIX"]""", "1700000000.5", "2023-11-14T22:13:20.500Z")]
    [InlineData("""["t","UNIX_MS"]""", "1700000000123", "2023-11-14T22:13:20.123Z")]
    [InlineData("""["t","MMM dd HH:mm:ss"]""", "May 19 08:00:00", "2024-05-19T08:00:00.000Z")]
    [InlineData("""["t","MMM d HH:mm:ss","MMM dd HH:mm:ss"]""", "May  3 08:00:00", "2024-05-03T08:00:00.000Z")]
    [InlineData("""["t","yyyy-MM-dd'T'HH:mm:ss","ISO8601"]""", "2024-05-01T01:02:03Z", "2024-05-01T01:02:03.000Z")]
    [InlineData("""["t","EEE MMM dd HH:mm:ss yyyy"]""", "Wed May 01 10:11:12 2024", "2024-05-01T10:11:12.000Z")]
    [InlineData("""["t","dd.MM.yy h:mm a"]""", "01.05.24 3:04 PM", "2024-05-01T15:04:00.000Z")]
    public void Formats_set_timestamp_in_utc(string match, string value, string expected)
    {
        var e = Run($$"""{"match":{{match}}}""", value);
        Assert.Equal(expected, e.GetString("@timestamp"));
        Assert.Empty(Tags(e));
    }

    [Fact]
    public void Unix_accepts_json_numbers()
    {
        var e = Run("""{"match":["t","UNIX"]}""", JsonValue.Create(1_700_000_000));
        Assert.Equal("2023-11-14T22:13:20.000Z", e.GetString("@timestamp"));
    }

    [Theory]
    [InlineData("Europe/Berlin", "2024-01-15 12:00:00", "2024-01-15T11:00:00.000Z")]
    [InlineData("Europe/Berlin", "2024-07-15 12:00:00", "2024-07-15T10:00:00.000Z")]
    [InlineData("America/New_York", "2024-07-15 12:00:00", "2024-07-15T16:00:00.000Z")]
    public void Timezone_applies_to_times_without_offset_including_daylight_saving(string zone, string value, string expected)
    {
        var e = Run($$"""{"match":["t","yyyy-MM-dd HH:mm:ss"],"timezone":"{{zone}}"}""", value);
        Assert.Equal(expected, e.GetString("@timestamp"));
    }

    [Fact]
    public void Timezone_does_not_override_an_explicit_offset()
    {
        var e = Run("""{"match":["t","ISO8601"],"timezone":"Asia/Tokyo"}""", "2024-01-01T00:00:00Z");
        Assert.Equal("2024-01-01T00:00:00.000Z", e.GetString("@timestamp"));
        var local = Run("""{"match":["t","ISO8601"],"timezone":"Asia/Tokyo"}""", "2024-01-01T09:00:00");
        Assert.Equal("2024-01-01T00:00:00.000Z", local.GetString("@timestamp"));
    }

    [Fact]
    public void Yearless_december_date_read_in_january_belongs_to_last_year()
    {
        var january = new FixedClock(new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero));
        var e = Run("""{"match":["t","MMM dd HH:mm:ss"]}""", "Dec 31 23:59:59", january);
        Assert.Equal("2024-12-31T23:59:59.000Z", e.GetString("@timestamp"));
    }

    [Fact]
    public void Custom_target_is_written_and_timestamp_untouched()
    {
        var e = new IngestHub.Pipelines.Events.LogEvent(new JsonObject { ["t"] = "2024-05-01 00:00:00", ["@timestamp"] = "2000-01-01T00:00:00.000Z" });
        Filter("date", """{"match":["t","yyyy-MM-dd HH:mm:ss"],"target":"event.created"}""").Apply(e);
        Assert.Equal("2024-05-01T00:00:00.000Z", e.GetString("event.created"));
        Assert.Equal("2000-01-01T00:00:00.000Z", e.GetString("@timestamp"));
    }

    [Theory]
    [InlineData("31/Feb/2024:00:00:00 +0000")]
    [InlineData("yesterday")]
    [InlineData("")]
    public void Unparseable_value_tags_dateparsefailure(string value)
    {
        var e = Run("""{"match":["t","dd/MMM/yyyy:HH:mm:ss Z","ISO8601","UNIX"]}""", value, expected: FilterOutcome.Failure);
        Assert.Equal(["_dateparsefailure"], Tags(e));
        Assert.False(e.Has("@timestamp"));
    }

    [Theory]
    [InlineData("""{"match":["t"]}""", "filters[0].date.match: must be [field, format, ...]")]
    [InlineData("""{"match":["t","yyyy-MM-dd Q"]}""", "filters[0].date.match: unsupported pattern letter Q")]
    [InlineData("""{"match":["t","ISO8601"],"timezone":"Mars/Olympus"}""", "filters[0].date.timezone: unknown time zone")]
    public void Invalid_settings_name_the_key(string settings, string expectedPrefix)
    {
        var ex = Assert.Throws<ConfigException>(() => Filter("date", settings));
        Assert.StartsWith(expectedPrefix, ex.Message, StringComparison.Ordinal);
    }
}
