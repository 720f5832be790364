using System.Text.Json;
using System.Text.Json.Serialization;

namespace IngestHub.Cluster;

/// <summary>A broker's registration, <c>&lt;prefix&gt;/brokers/ids/&lt;id&gt;</c>, bound to its lease.</summary>
public sealed class BrokerRegistration
{
    [JsonPropertyName("id")] public int Id { get; set; }
    [JsonPropertyName("host")] public string Host { get; set; } = "";
    [JsonPropertyName("port")] public int Port { get; set; }
    [JsonPropertyName("listeners")] public List<string> Listeners { get; set; } = [];
}

/// <summary>One partition's state: the replicas assigned, the leader (-1 = none), its epoch and the ISR.</summary>
public sealed class PartitionRecord
{
    [JsonPropertyName("replicas")] public List<int> Replicas { get; set; } = [];
    [JsonPropertyName("leader")] public int Leader { get; set; } = -1;
    [JsonPropertyName("leader_epoch")] public int LeaderEpoch { get; set; }
    [JsonPropertyName("isr")] public List<int> Isr { get; set; } = [];
}

/// <summary>A topic, <c>&lt;prefix&gt;/brokers/topics/&lt;name&gt;</c>: id, config overrides and every partition's
/// state. It changes only by transactions that compare the key's mod revision.</summary>
public sealed class TopicRecord
{
    [JsonPropertyName("id")] public Guid Id { get; set; }
    [JsonPropertyName("configs")] public Dictionary<string, string> Configs { get; set; } = [];
    [JsonPropertyName("partitions")] public List<PartitionRecord> Partitions { get; set; } = [];

    public TopicRecord Clone() => Parse(Serialize())!;

    public string Serialize() => JsonSerializer.Serialize(this);

    public static TopicRecord? Parse(string json) => JsonSerializer.Deserialize<TopicRecord>(json);
}
