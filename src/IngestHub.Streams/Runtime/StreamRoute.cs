namespace IngestHub.Streams.Runtime;

/// <summary>A declared stream of a component and its subscribers.</summary>
internal sealed class StreamRoute(StreamSchema schema, Subscription[] subscriptions)
{
    public StreamSchema Schema { get; } = schema;

    public Subscription[] Subscriptions { get; } = subscriptions;
}
