namespace IngestHub.Pipelines.Runtime;

/// <summary>Where relay mode forwards each source topic's records: source topic → spill topic.</summary>
public sealed record SpillRoute(IReadOnlyDictionary<string, string> Topics)
{
    public string SpillTopicFor(string sourceTopic) =>
        Topics.TryGetValue(sourceTopic, out var spill) ? spill : throw new InvalidOperationException($"no spill topic for {sourceTopic}");
}
