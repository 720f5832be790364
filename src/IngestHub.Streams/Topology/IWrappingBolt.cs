namespace IngestHub.Streams.Topology;

/// <summary>An adapter bolt the builder puts around a basic or windowed bolt.</summary>
internal interface IWrappingBolt
{
    object Inner { get; }
}
