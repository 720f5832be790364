using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;

namespace IngestHub.Pipelines.Runtime;

/// <summary>One setting of a validated configuration: its definition (null for a key no definition has), the value
/// as given (secrets masked) and the problems found with it.</summary>
public sealed record SettingValidation(string Path, SettingDefinition? Definition, JsonNode? Value, List<string> Errors);
