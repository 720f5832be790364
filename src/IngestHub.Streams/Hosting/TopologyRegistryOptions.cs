namespace IngestHub.Streams.Hosting;

/// <summary>Where the registry finds and keeps topologies.</summary>
public sealed class TopologyRegistryOptions
{
    /// <summary>Folder of <c>*.yaml</c> definitions and <c>*.dll</c> topology assemblies.</summary>
    public string? Directory { get; set; }

    /// <summary>Where API-submitted definitions and every topology's progress are kept (under the data dir).</summary>
    public required string StateDirectory { get; set; }

    /// <summary>How long a stopping topology may spend completing its pending tuples.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
