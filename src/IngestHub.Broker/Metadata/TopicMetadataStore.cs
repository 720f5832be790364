using System.Text.Json;
using System.Text.Json.Serialization;
using IngestHub.Storage;

namespace IngestHub.Broker.Metadata;

/// <summary>
/// Persists the topic list (name, id, partition count, config overrides) as one JSON document written
/// atomically, so topics, their partition counts and configs survive restarts and crashes.
/// </summary>
public sealed class TopicMetadataStore(string dataDir)
{
    private const string FileName = "topics.json";
    private readonly string _path = Path.Combine(dataDir, FileName);

    public IReadOnlyList<TopicRecord> Load()
    {
        if (!File.Exists(_path))
            return [];
        var json = File.ReadAllText(_path);
        return JsonSerializer.Deserialize(json, TopicMetadataJsonContext.Default.ListTopicRecord) ?? [];
    }

    public void Save(IEnumerable<TopicRecord> topics)
    {
        var list = new List<TopicRecord>(topics);
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        AtomicFile.WriteAllText(_path, JsonSerializer.Serialize(list, TopicMetadataJsonContext.Default.ListTopicRecord));
    }
}

/// <summary>One topic as persisted.</summary>
public sealed record TopicRecord(string Name, Guid TopicId, int Partitions, Dictionary<string, string> Configs);

[JsonSerializable(typeof(List<TopicRecord>))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class TopicMetadataJsonContext : JsonSerializerContext;
