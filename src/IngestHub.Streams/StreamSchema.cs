namespace IngestHub.Streams;

/// <summary>A declared output stream of a component: its id, fields and whether it is direct.</summary>
public sealed class StreamSchema(string componentId, string streamId, Fields fields, bool direct)
{
    internal static readonly StreamSchema Tick = new(TopologyConstants.SystemComponent, TopologyConstants.TickStream, new Fields("rate_secs"), false);

    public string ComponentId { get; } = componentId;

    public string StreamId { get; } = streamId;

    public Fields Fields { get; } = fields;

    /// <summary>Direct streams are sent only with EmitDirect, to the task the emitter names.</summary>
    public bool Direct { get; } = direct;

    public override string ToString() => $"{ComponentId}:{StreamId}{Fields}";
}
