namespace IngestHub.Streams.Topology;

/// <summary>A grouping and, for fields grouping, the fields that choose the task.</summary>
public sealed record Grouping(GroupingKind Kind, Fields? Fields = null)
{
    public override string ToString() => Kind == GroupingKind.Fields ? $"fields{Fields}" : Kind.ToString().ToLowerInvariant();
}
