namespace IngestHub.Server.Topologies;

/// <summary>The <c>topologies</c> configuration section.</summary>
public sealed class TopologiesOptions
{
    /// <summary>Folder of topology definitions (<c>*.yaml</c>) and assemblies (<c>*.dll</c>); default <c>&lt;config dir&gt;/topologies</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>Kafka cluster the topologies read and write by default; default the embedded broker.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Seconds a stopping topology may spend completing its pending tuples.</summary>
    public int DrainSeconds { get; set; } = 10;
}
