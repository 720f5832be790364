using System.Globalization;
using System.Text.Json.Nodes;

namespace IngestHub.Autoscaler;

/// <summary>
/// A target's spill as persisted: phase, generation (the <c>n</c> in <c>&lt;topic&gt;.spill.&lt;n&gt;</c>), spill
/// group, source → spill topics with their partition counts, the cut-off offsets once the relay stopped (the next
/// source offset normal processing resumes at, -1 where the group had never committed), and why it started.
/// </summary>
public sealed record SpillState
{
    public required string Target { get; init; }
    public required string Kind { get; init; }
    public SpillPhase Phase { get; init; } = SpillPhase.Normal;
    public int Generation { get; init; }
    public string? Group { get; init; }
    public IReadOnlyDictionary<string, string> Topics { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, int> SpillPartitions { get; init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<(string Topic, int Partition), long>? Cutoffs { get; init; }
    public long StartedAtMs { get; init; }
    public long? CutoffAtMs { get; init; }
    public string? Reason { get; init; }

    public IReadOnlyList<string> SpillTopics => [.. Topics.Values.Order(StringComparer.Ordinal)];

    public JsonObject ToJson()
    {
        var topics = new JsonObject();
        foreach (var (source, spill) in Topics.OrderBy(t => t.Key, StringComparer.Ordinal))
            topics[source] = spill;
        var partitions = new JsonObject();
        foreach (var (spill, count) in SpillPartitions.OrderBy(t => t.Key, StringComparer.Ordinal))
            partitions[spill] = count;
        JsonArray? cutoffs = null;
        if (Cutoffs is not null)
        {
            cutoffs = [];
            foreach (var ((topic, partition), offset) in Cutoffs.OrderBy(c => c.Key.Topic, StringComparer.Ordinal).ThenBy(c => c.Key.Partition))
                cutoffs.Add(new JsonObject { ["topic"] = topic, ["partition"] = partition, ["offset"] = offset });
        }
        return new JsonObject
        {
            ["target"] = Target,
            ["kind"] = Kind,
            ["phase"] = PhaseName(Phase),
            ["generation"] = Generation,
            ["group"] = Group,
            ["topics"] = topics,
            ["spill_partitions"] = partitions,
            ["cutoffs"] = cutoffs,
            ["started_at"] = StartedAtMs,
            ["cutoff_at"] = CutoffAtMs,
            ["reason"] = Reason,
        };
    }

    public static SpillState FromJson(JsonObject json)
    {
        var topics = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json["topics"] is JsonObject t)
            foreach (var (source, spill) in t)
                topics[source] = spill!.GetValue<string>();
        var partitions = new Dictionary<string, int>(StringComparer.Ordinal);
        if (json["spill_partitions"] is JsonObject sp)
            foreach (var (spill, count) in sp)
                partitions[spill] = count!.GetValue<int>();
        Dictionary<(string, int), long>? cutoffs = null;
        if (json["cutoffs"] is JsonArray c)
        {
            cutoffs = [];
            foreach (var entry in c)
                cutoffs[(entry!["topic"]!.GetValue<string>(), entry["partition"]!.GetValue<int>())] = entry["offset"]!.GetValue<long>();
        }
        return new SpillState
        {
            Target = json["target"]!.GetValue<string>(),
            Kind = json["kind"]!.GetValue<string>(),
            Phase = ParsePhase(json["phase"]!.GetValue<string>()),
            Generation = json["generation"]!.GetValue<int>(),
            Group = json["group"]?.GetValue<string>(),
            Topics = topics,
            SpillPartitions = partitions,
            Cutoffs = cutoffs,
            StartedAtMs = json["started_at"]?.GetValue<long>() ?? 0,
            CutoffAtMs = json["cutoff_at"]?.GetValue<long>(),
            Reason = json["reason"]?.GetValue<string>(),
        };
    }

    public static string PhaseName(SpillPhase phase) => phase switch
    {
        SpillPhase.SwitchingBack => "switching_back",
        _ => phase.ToString().ToLowerInvariant(),
    };

    public static SpillPhase ParsePhase(string name) =>
        Enum.TryParse<SpillPhase>(name.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var phase)
            ? phase
            : throw new FormatException($"unknown spill phase '{name}'");

    public static string Describe(IReadOnlyDictionary<(string Topic, int Partition), long> cutoffs) =>
        string.Join(", ", cutoffs.OrderBy(c => c.Key.Topic, StringComparer.Ordinal).ThenBy(c => c.Key.Partition)
            .Select(c => $"{c.Key.Topic}-{c.Key.Partition.ToString(CultureInfo.InvariantCulture)}@{c.Value.ToString(CultureInfo.InvariantCulture)}"));
}
