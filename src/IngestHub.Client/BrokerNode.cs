namespace IngestHub.Client;

/// <summary>A broker as Metadata describes it.</summary>
public sealed record BrokerNode(int NodeId, string Host, int Port, string? Rack);
