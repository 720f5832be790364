namespace IngestHub.Streams.Topology;

/// <summary>A bolt's subscription to one stream of another component.</summary>
public sealed record InputDeclaration(string SourceComponent, string StreamId, Grouping Grouping);
