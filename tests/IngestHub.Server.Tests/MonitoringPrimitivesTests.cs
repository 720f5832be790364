using IngestHub.Server.Api;
using IngestHub.Server.Monitoring;
using Xunit;

namespace IngestHub.Server.Tests;

public sealed class MonitoringPrimitivesTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData("90", 90)]
    [InlineData("2H", 7200)]
    public void Window_parses_seconds_minutes_and_hours(string text, int seconds)
    {
        Assert.True(SampleWindow.TryParse(text, out var window));
        Assert.Equal(TimeSpan.FromSeconds(seconds), window);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("-5m")]
    [InlineData("0s")]
    [InlineData("15x")]
    [InlineData("1.5h")]
    public void Window_rejects_malformed_durations(string text)
    {
        Assert.False(SampleWindow.TryParse(text, out _));
    }

    [Fact]
    public void Ring_buffer_keeps_the_newest_items_in_order()
    {
        var ring = new RingBuffer<int>(4);
        for (int i = 1; i <= 10; i++)
            ring.Add(i);
        Assert.Equal([7, 8, 9, 10], ring.Snapshot());
        Assert.Equal([9, 10], ring.Snapshot(2));
        Assert.Equal(10, ring.Last());
        Assert.Equal(4, ring.Count);
    }

    [Fact]
    public void History_capacity_covers_an_hour_at_the_sampling_interval()
    {
        Assert.True(new MonitoringOptions { SampleIntervalSeconds = 5 }.HistoryCapacity >= 720);
        Assert.True(new MonitoringOptions { SampleIntervalSeconds = 1 }.HistoryCapacity >= 3600);
    }

    [Fact]
    public void Rate_is_per_second_between_first_and_last_and_never_negative()
    {
        ThroughputSample[] samples = [new(0, 100, 1000), new(5_000, 150, 1500), new(10_000, 300, 3000)];
        Assert.Equal((20.0, 200.0), MonitoringHistory.Rate(samples));
        Assert.Equal((0.0, 0.0), MonitoringHistory.Rate([new(0, 500, 500), new(1_000, 10, 10)]));
        Assert.Equal((0.0, 0.0), MonitoringHistory.Rate([new(0, 1, 1)]));
    }

    [Fact]
    public void Exposition_escapes_help_and_label_values()
    {
        var w = new PrometheusTextWriter();
        w.Family("x_total", "counter", "line one\nback\\slash \"quoted\"");
        w.Sample("x_total", 3, ("topic", "a\"b\\c\nd"));
        w.Sample("x_total", 0.25);
        w.Sample("x_total", double.PositiveInfinity, ("le", "+Inf"));
        string text = w.ToString();
        Assert.Equal(
            "# HELP x_total line one\\nback\\\\slash \"quoted\"\n# TYPE x_total counter\n" +
            "x_total{topic=\"a\\\"b\\\\c\\nd\"} 3\nx_total 0.25\nx_total{le=\"+Inf\"} +Inf\n", text);
        var parsed = PrometheusText.Parse(text);
        Assert.Equal("a\"b\\c\nd", parsed.Single(s => s.Labels.ContainsKey("topic")).Labels["topic"]);
        Assert.Equal("line one\nback\\slash \"quoted\"", parsed.Help["x_total"]);
    }
}
