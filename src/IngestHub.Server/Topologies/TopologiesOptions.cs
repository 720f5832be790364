using IngestHub.Server.Kafka;

namespace IngestHub.Server.Topologies;

/// <summary>The <c>topologies</c> configuration section; <see cref="KafkaClientSettings.BootstrapServers"/> and the
/// security settings say how the Kafka spouts, topic sinks and dead-letter producers reach the cluster they use by
/// default.</summary>
public sealed class TopologiesOptions : KafkaClientSettings
{
    /// <summary>Folder of topology definitions (<c>*.yaml</c>) and assemblies (<c>*.dll</c>); default <c>&lt;config dir&gt;/topologies</c>.</summary>
    public string? Directory { get; set; }

    protected override string Section => "topologies";

    /// <summary>Seconds a stopping topology may spend completing its pending tuples.</summary>
    public int DrainSeconds { get; set; } = 10;
}
