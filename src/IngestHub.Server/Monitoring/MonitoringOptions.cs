namespace IngestHub.Server.Monitoring;

/// <summary>Configuration section <c>monitoring</c>.</summary>
public sealed class MonitoringOptions
{
    /// <summary>Seconds between samples of groups, topics and connectors.</summary>
    public int SampleIntervalSeconds { get; set; } = 5;

    /// <summary>How much history the ring buffers keep (at least an hour is useful for lag charts).</summary>
    public int HistoryMinutes { get; set; } = 60;

    public TimeSpan SampleInterval => TimeSpan.FromSeconds(Math.Max(1, SampleIntervalSeconds));

    /// <summary>Samples per series: enough for <see cref="HistoryMinutes"/> at the sampling interval.</summary>
    public int HistoryCapacity => Math.Max(12, (int)Math.Ceiling(Math.Max(1, HistoryMinutes) * 60.0 / Math.Max(1, SampleIntervalSeconds)) + 1);
}
