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
