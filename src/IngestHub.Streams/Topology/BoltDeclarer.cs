namespace IngestHub.Streams.Topology;

/// <summary>Returned by <see cref="TopologyBuilder.SetBolt(string, IBolt, int)"/>: subscribes the bolt to streams.</summary>
public sealed class BoltDeclarer : ComponentDeclarer<BoltDeclarer>
{
    internal BoltDeclarer(string id, int parallelism) : base(id, parallelism)
    {
    }

    internal List<InputDeclaration> Inputs { get; } = [];

    public BoltDeclarer ShuffleGrouping(string componentId, string streamId = TopologyConstants.DefaultStream) =>
        Grouping(componentId, streamId, new Grouping(GroupingKind.Shuffle));

    public BoltDeclarer FieldsGrouping(string componentId, Fields fields) =>
        FieldsGrouping(componentId, TopologyConstants.DefaultStream, fields);

    public BoltDeclarer FieldsGrouping(string componentId, string streamId, Fields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
            throw new ArgumentException($"{Id}: fields grouping on {componentId} needs at least one field", nameof(fields));
        return Grouping(componentId, streamId, new Grouping(GroupingKind.Fields, fields));
    }

    public BoltDeclarer AllGrouping(string componentId, string streamId = TopologyConstants.DefaultStream) =>
        Grouping(componentId, streamId, new Grouping(GroupingKind.All));

    public BoltDeclarer GlobalGrouping(string componentId, string streamId = TopologyConstants.DefaultStream) =>
        Grouping(componentId, streamId, new Grouping(GroupingKind.Global));

    public BoltDeclarer DirectGrouping(string componentId, string streamId = TopologyConstants.DefaultStream) =>
        Grouping(componentId, streamId, new Grouping(GroupingKind.Direct));

    public BoltDeclarer LocalOrShuffleGrouping(string componentId, string streamId = TopologyConstants.DefaultStream) =>
        Grouping(componentId, streamId, new Grouping(GroupingKind.LocalOrShuffle));

    public BoltDeclarer NoneGrouping(string componentId, string streamId = TopologyConstants.DefaultStream) =>
        Grouping(componentId, streamId, new Grouping(GroupingKind.None));

    public BoltDeclarer Grouping(string componentId, string streamId, Grouping grouping)
    {
        ArgumentException.ThrowIfNullOrEmpty(componentId);
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        Inputs.Add(new InputDeclaration(componentId, streamId, grouping));
        return this;
    }
}
