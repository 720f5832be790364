using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Runtime;

/// <summary>A connector as the registry stores it: its configuration as given (<c>${VAR}</c> references
/// unexpanded), whether it is paused, and whether it was deleted (a tombstone that keeps a connector defined in
/// a pipeline file deleted until that file is removed).</summary>
public sealed record StoredConnector(string Name, JsonObject Config, bool Paused, bool Deleted);
