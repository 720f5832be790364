using IngestHub.Streams.Topology;

namespace IngestHub.Streams.Runtime;

/// <summary>One subscriber of a stream: the bolt's task ids (ascending) and how tuples are spread over them.</summary>
internal sealed class Subscription(string targetComponent, int[] tasks, GroupingKind kind, int[]? fieldIndexes)
{
    public string TargetComponent { get; } = targetComponent;

    public int[] Tasks { get; } = tasks;

    public GroupingKind Kind { get; } = kind;

    /// <summary>Fields grouping: positions of the grouping fields in the stream.</summary>
    public int[]? FieldIndexes { get; } = fieldIndexes;

    /// <summary>The task a fields grouping picks for these values: hash mod the (fixed) task count.</summary>
    public int FieldsTask(object?[] values) => Tasks[(int)(StableHash.Of(values, FieldIndexes!) % (ulong)Tasks.Length)];
}
