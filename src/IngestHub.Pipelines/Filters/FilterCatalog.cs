using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;

namespace IngestHub.Pipelines.Filters;

/// <summary>The filters a pipeline may name, and how one is built from its settings. Every filter also takes
/// <c>if</c>, <c>id</c> and the common add_field, remove_field, add_tag, remove_tag.</summary>
public static class FilterCatalog
{
    public static IReadOnlyList<string> Names { get; } = ["json", "grok", "dissect", "date", "mutate", "drop"];

    /// <summary>Builds a filter stage; <see cref="ConfigException"/> names the key under
    /// <paramref name="key"/> (e.g. <c>filters[2].grok</c>).</summary>
    public static FilterStage Create(string name, JsonObject settings, string key, TimeProvider clock)
    {
        var s = new SettingsReader(settings, key);
        string[] own = name switch
        {
            "json" => JsonFilter.Keys,
            "grok" => GrokFilter.Keys,
            "dissect" => DissectFilter.Keys,
            "date" => DateFilter.Keys,
            "mutate" => MutateFilter.Keys,
            "drop" => DropFilter.Keys,
            _ => throw new ConfigException(key, $"unknown filter {name} (expected one of {string.Join(", ", Names)})"),
        };
        s.RejectUnknownKeys([.. own, .. FilterDecorations.Keys, "if", "id"]);
        var condition = settings["if"] is { } cond ? EventCondition.Parse(cond, s.KeyOf("if")) : null;
        IFilter filter = name switch
        {
            "json" => new JsonFilter(s),
            "grok" => new GrokFilter(s),
            "dissect" => new DissectFilter(s),
            "date" => new DateFilter(s, clock),
            "mutate" => new MutateFilter(s),
            _ => new DropFilter(),
        };
        return new FilterStage(name, filter, condition, new FilterDecorations(s));
    }
}
