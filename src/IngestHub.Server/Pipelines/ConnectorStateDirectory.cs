using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Runtime;
using IngestHub.Storage;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Pipelines;

/// <summary>
/// The connectors changed through the REST API, one JSON file each in <c>&lt;data&gt;/connectors/</c>
/// (<c>{"name", "config", "paused"}</c>, or <c>"deleted": true</c> for a tombstone). Files are replaced through
/// <see cref="AtomicFile"/>, so a connector acknowledged by the API survives a power cut, and are readable by
/// their owner only: a configuration may hold a literal secret.
/// </summary>
public sealed class ConnectorStateDirectory(string directory, ILogger<ConnectorStateDirectory> logger) : IConnectorStateStore
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public string Directory => directory;

    public IReadOnlyList<StoredConnector> Load()
    {
        var result = new List<StoredConnector>();
        if (!System.IO.Directory.Exists(directory))
            return result;
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                var doc = JsonNode.Parse(File.ReadAllText(file)) as JsonObject;
                if (doc?["name"]?.GetValue<string>() is { } name && doc["config"] is JsonObject config)
                    result.Add(new StoredConnector(name, (JsonObject)config.DeepClone(), doc["paused"]?.GetValue<bool>() == true, doc["deleted"]?.GetValue<bool>() == true));
                else
                    logger.LogError("Skipping connector state file {File}: it has no name and config", file);
            }
            catch (Exception ex) when (ex is JsonException or IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                logger.LogError(ex, "Skipping unreadable connector state file {File}", file);
            }
        }
        return result;
    }

    public void Save(StoredConnector connector)
    {
        var state = new JsonObject { ["name"] = connector.Name, ["config"] = connector.Config.DeepClone() };
        if (connector.Deleted)
            state["deleted"] = true;
        else
            state["paused"] = connector.Paused;
        System.IO.Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, connector.Name + ".json"), state.ToJsonString(s_indented), OwnerOnly);
    }
}
