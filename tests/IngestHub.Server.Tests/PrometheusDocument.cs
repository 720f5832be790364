using System.Collections;

namespace IngestHub.Server.Tests;

/// <summary>Parsed exposition: samples in order, and HELP/TYPE per family.</summary>
public sealed class PrometheusDocument(List<PrometheusSample> samples, Dictionary<string, string> help, Dictionary<string, string> types)
    : IReadOnlyList<PrometheusSample>
{
    public IReadOnlyDictionary<string, string> Help => help;
    public IReadOnlyDictionary<string, string> Types => types;
    public int Count => samples.Count;
    public PrometheusSample this[int index] => samples[index];

    public IEnumerable<PrometheusSample> Named(string name) => samples.Where(s => s.Name == name);

    public double Value(string name, params (string Name, string Value)[] labels) =>
        samples.Single(s => s.Name == name && s.Has(labels)).Value;

    public IEnumerator<PrometheusSample> GetEnumerator() => samples.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
