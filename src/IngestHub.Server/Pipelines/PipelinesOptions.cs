using IngestHub.Server.Kafka;

namespace IngestHub.Server.Pipelines;

/// <summary>The <c>pipelines</c> configuration section; <see cref="KafkaClientSettings.BootstrapServers"/> and the
/// security settings say how the connectors reach their Kafka cluster.</summary>
public sealed class PipelinesOptions : KafkaClientSettings
{
    /// <summary>Directory of pipeline definitions (<c>*.yaml</c>); default <c>&lt;config dir&gt;/pipelines</c>.</summary>
    public string? Directory { get; set; }
    protected override string Section => "pipelines";

    /// <summary>The connectors' client settings (see <see cref="KafkaClientSettings.ClientOptions(string, string)"/>).</summary>
    public IngestHub.Client.ClientOptions ClientOptions(string bootstrap) => ClientOptions(bootstrap, "ingesthub-pipelines");

    /// <summary>Seconds a stopping connector may spend finishing its batches before they are abandoned (and redelivered later).</summary>
    public int DrainSeconds { get; set; } = 30;
}
