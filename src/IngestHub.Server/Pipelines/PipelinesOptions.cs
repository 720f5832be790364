namespace IngestHub.Server.Pipelines;

/// <summary>The <c>pipelines</c> configuration section.</summary>
public sealed class PipelinesOptions
{
    /// <summary>Directory of pipeline definitions (<c>*.yaml</c>); default <c>&lt;config dir&gt;/pipelines</c>.</summary>
    public string? Directory { get; set; }
    /// <summary>Kafka cluster the connectors consume from; default the embedded broker. Point it at an Apache
    /// Kafka cluster to run the same pipelines there.</summary>
    public string? BootstrapServers { get; set; }
    /// <summary>Seconds a stopping connector may spend finishing its batches before they are abandoned (and redelivered later).</summary>
    public int DrainSeconds { get; set; } = 30;
}
