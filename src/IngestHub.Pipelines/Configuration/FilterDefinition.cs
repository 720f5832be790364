using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Configuration;

/// <summary>One entry of <c>filters:</c>: the filter name and its settings (already validated).</summary>
public sealed record FilterDefinition(string Type, JsonObject Settings);
