namespace IngestHub.Monitoring;

/// <summary>Configuration section <c>monitoring</c>.</summary>
public sealed class MonitoringOptions
{
    /// <summary>Seconds between samples of groups, topics and connectors.</summary>
    public int SampleIntervalSeconds { get; set; } = 5;

    /// <summary>How much history the ring buffers keep (at least an hour is useful for lag charts).</summary>
    public int HistoryMinutes { get; set; } = 60;

    /// <summary>Kafka cluster whose groups are watched; default the cluster the connectors consume from.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The cluster's name in the Burrow-compatible API (<c>/v3/kafka/{cluster}/...</c>).</summary>
    public string ClusterName { get; set; } = "local";

    /// <summary>Burrow's <c>intervals</c>: commits per partition in the evaluation window.</summary>
    public int Intervals { get; set; } = 10;

    /// <summary>Burrow's <c>allowed-lag</c>: a partition whose lag is at most this is OK without further rules, and
    /// a stored lag at most this counts as "lag was zero".</summary>
    public long AllowedLag { get; set; }

    /// <summary>Optional numeric threshold: a partition lagging more records than this is at least WARNING.</summary>
    public long? MaxLag { get; set; }

    /// <summary>Optional time threshold: a partition whose estimated time lag exceeds this many seconds is at least WARNING.</summary>
    public double? MaxLagSeconds { get; set; }

    public TimeSpan SampleInterval => TimeSpan.FromSeconds(Math.Max(1, SampleIntervalSeconds));

    /// <summary>Samples per series: enough for <see cref="HistoryMinutes"/> at the sampling interval.</summary>
    public int HistoryCapacity => Math.Max(12, (int)Math.Ceiling(Math.Max(1, HistoryMinutes) * 60.0 / Math.Max(1, SampleIntervalSeconds)) + 1);

    public int WindowSize => Math.Clamp(Intervals, 2, 1000);
}
