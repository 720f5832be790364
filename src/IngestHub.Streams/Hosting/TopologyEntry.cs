using System.Text.Json.Nodes;
using IngestHub.Streams.Declarative;
using IngestHub.Streams.Runtime;

namespace IngestHub.Streams.Hosting;

/// <summary>A topology the registry knows: where it is defined, its compiled form, and its current run (or why it
/// is not running).</summary>
public sealed class TopologyEntry
{
    internal TopologyEntry(string name, TopologyOrigin origin, string? file)
    {
        Name = name;
        Origin = origin;
        File = file;
    }

    public string Name { get; }

    public TopologyOrigin Origin { get; }

    /// <summary>The YAML file (file topologies) or assembly (code topologies from a folder).</summary>
    public string? File { get; }

    public CompiledTopology? Compiled { get; internal set; }

    public JsonObject? Source => Compiled?.Source;

    public RunningTopology? Running { get; internal set; }

    /// <summary>Why it is not running: an invalid definition or a start failure.</summary>
    public string? Error { get; internal set; }

    internal SemaphoreSlim Gate { get; } = new(1, 1);
}
