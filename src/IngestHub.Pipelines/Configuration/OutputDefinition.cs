using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Configuration;

/// <summary>The <c>output:</c> section. <see cref="Settings"/> holds the sink-specific keys (everything but
/// type, batch.size and linger.ms) for the sink factory of <see cref="Type"/>.</summary>
public sealed record OutputDefinition(string Type, int BatchSize, int LingerMs, JsonObject Settings);
