using System.Text.Json.Nodes;
using IngestHub.Streams.Topology;

namespace IngestHub.Streams.Declarative;

/// <summary>A validated topology definition: its configuration and how to build a fresh instance of it (each run
/// needs its own component instances). <see cref="Source"/> is the definition as given (YAML converted to JSON),
/// null for topologies written in code.</summary>
public sealed record CompiledTopology(string Name, string? Description, TopologyConfig Config, Func<TopologyDefinition> Build, JsonObject? Source);
