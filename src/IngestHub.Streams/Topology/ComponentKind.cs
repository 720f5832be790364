namespace IngestHub.Streams.Topology;

public enum ComponentKind
{
    Spout,
    Bolt,
}
