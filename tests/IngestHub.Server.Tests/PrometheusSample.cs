namespace IngestHub.Server.Tests;

public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(params (string Name, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Name, out var v) && v == l.Value);

    public override string ToString() => $"{Name}{{{string.Join(",", Labels.Select(l => $"{l.Key}={l.Value}"))}}} {Value}";
}
