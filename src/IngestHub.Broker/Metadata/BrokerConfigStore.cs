using System.Text.Json;
using System.Text.Json.Serialization;
using IngestHub.Storage;

namespace IngestHub.Broker.Metadata;

/// <summary>
/// Persists the dynamic broker configs as one JSON document (<c>broker-configs.json</c>) written atomically:
/// the cluster-wide defaults (resource name "") and this broker's own (its node id), so configs altered at run
/// time survive restarts.
/// </summary>
public sealed class BrokerConfigStore(string dataDir)
{
    private const string FileName = "broker-configs.json";
    private readonly string _path = Path.Combine(dataDir, FileName);

    public BrokerConfigRecord Load()
    {
        if (!File.Exists(_path))
            return new BrokerConfigRecord([], []);
        var json = File.ReadAllText(_path);
        return JsonSerializer.Deserialize(json, BrokerConfigJsonContext.Default.BrokerConfigRecord) ?? new BrokerConfigRecord([], []);
    }

    public void Save(BrokerConfigRecord record) =>
        AtomicFile.WriteAllText(_path, JsonSerializer.Serialize(record, BrokerConfigJsonContext.Default.BrokerConfigRecord));
}

/// <summary>The dynamic broker configs as persisted: cluster defaults and this broker's own.</summary>
public sealed record BrokerConfigRecord(Dictionary<string, string> ClusterDefaults, Dictionary<string, string> Broker);

[JsonSerializable(typeof(BrokerConfigRecord))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class BrokerConfigJsonContext : JsonSerializerContext;
