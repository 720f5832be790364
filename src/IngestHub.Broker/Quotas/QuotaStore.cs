using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Storage;

namespace IngestHub.Broker.Quotas;

/// <summary>
/// The quotas altered over the wire (AlterClientQuotas), kept in <c>&lt;data&gt;/quotas.json</c> and laid over the
/// configured ones (<c>broker:Quotas</c>): an entity stored there replaces the configured entity of the same name
/// wholly, and an entity stored with no rates removes it. Every change is written before it is put in force in
/// <see cref="ClientQuotas"/>, so it applies to the next request and survives a restart.
/// </summary>
public sealed class QuotaStore
{
    public const string FileName = "quotas.json";
    public const string ProducerByteRate = "producer_byte_rate";
    public const string ConsumerByteRate = "consumer_byte_rate";

    private readonly string _path;
    private readonly IReadOnlyList<QuotaEntry> _configured;
    private readonly ClientQuotas _quotas;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string? User, string? ClientId), (long? Producer, long? Consumer)> _overrides;

    public QuotaStore(string dataDir, IReadOnlyList<QuotaEntry> configured, ClientQuotas quotas)
    {
        _path = Path.Combine(dataDir, FileName);
        _configured = configured;
        _quotas = quotas;
        _overrides = Read(_path);
        _quotas.Replace(Effective());
    }

    public string FilePath => _path;

    /// <summary>The entities in force, configured and altered together.</summary>
    public IReadOnlyList<QuotaEntry> Entries => _quotas.Entries;

    /// <summary>
    /// Applies the changes of each entity (a null value removes the key), stores them and puts them in force.
    /// Keys are <see cref="ProducerByteRate"/> and <see cref="ConsumerByteRate"/>; values must be positive.
    /// </summary>
    public void Alter(IReadOnlyList<((string? User, string? ClientId) Entity, IReadOnlyList<(string Key, long? Value)> Ops)> changes)
    {
        if (changes.Count == 0)
            return;
        lock (_gate)
        {
            var current = Effective().ToDictionary(e => (e.User, e.ClientId), e => (e.ProducerByteRate, e.ConsumerByteRate));
            var overrides = new Dictionary<(string?, string?), (long?, long?)>(_overrides);
            foreach (var (entity, ops) in changes)
            {
                var (producer, consumer) = current.TryGetValue(entity, out var rates) ? rates : (null, null);
                foreach (var (key, value) in ops)
                {
                    if (key == ProducerByteRate)
                        producer = value;
                    else if (key == ConsumerByteRate)
                        consumer = value;
                    else
                        throw new ArgumentException($"unknown quota key {key}");
                }
                overrides[entity] = (producer, consumer);
                current[entity] = (producer, consumer);
            }
            Save(overrides);
            _overrides.Clear();
            foreach (var (entity, rates) in overrides)
                _overrides[entity] = rates;
            _quotas.Replace(Effective());
        }
    }

    private List<QuotaEntry> Effective()
    {
        var entries = new List<QuotaEntry>();
        foreach (var entry in _configured)
        {
            if (!_overrides.ContainsKey((entry.User, entry.ClientId)))
                entries.Add(entry);
        }
        foreach (var ((user, clientId), (producer, consumer)) in _overrides.OrderBy(o => o.Key.User, StringComparer.Ordinal).ThenBy(o => o.Key.ClientId, StringComparer.Ordinal))
        {
            if (producer is not null || consumer is not null)
                entries.Add(new QuotaEntry { User = user, ClientId = clientId, ProducerByteRate = producer, ConsumerByteRate = consumer });
        }
        return entries;
    }

    private void Save(Dictionary<(string? User, string? ClientId), (long? Producer, long? Consumer)> overrides)
    {
        var list = new JsonArray();
        foreach (var ((user, clientId), (producer, consumer)) in overrides.OrderBy(o => o.Key.User, StringComparer.Ordinal).ThenBy(o => o.Key.ClientId, StringComparer.Ordinal))
        {
            list.Add(new JsonObject
            {
                ["user"] = user,
                ["clientId"] = clientId,
                [ProducerByteRate] = producer,
                [ConsumerByteRate] = consumer,
            });
        }
        var root = new JsonObject { ["entities"] = list };
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        AtomicFile.WriteAllText(_path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static Dictionary<(string? User, string? ClientId), (long? Producer, long? Consumer)> Read(string path)
    {
        var overrides = new Dictionary<(string?, string?), (long?, long?)>();
        if (!File.Exists(path))
            return overrides;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }
        if (root?["entities"] is not JsonArray entities)
            return overrides;
        foreach (var node in entities)
        {
            if (node is not JsonObject entity)
                continue;
            string? user = (string?)entity["user"];
            string? clientId = (string?)entity["clientId"];
            if (user is null && clientId is null)
                throw new InvalidDataException($"{path}: an entity names neither a user nor a client id");
            long? producer = (long?)entity[ProducerByteRate];
            long? consumer = (long?)entity[ConsumerByteRate];
            if (producer is <= 0 || consumer is <= 0)
                throw new InvalidDataException($"{path}: byte rates must be positive");
            overrides[(user, clientId)] = (producer, consumer);
        }
        return overrides;
    }
}
