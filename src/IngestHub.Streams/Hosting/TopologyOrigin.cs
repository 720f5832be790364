namespace IngestHub.Streams.Hosting;

/// <summary>Where a hosted topology is defined.</summary>
public enum TopologyOrigin
{
    /// <summary>A <c>topologies/*.yaml</c> file.</summary>
    File,

    /// <summary>An <see cref="ITopologyFactory"/> registered by the host or found in a topology assembly.</summary>
    Code,

    /// <summary>Submitted through the REST API (kept under the data directory).</summary>
    Api,
}
