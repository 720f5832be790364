using System.Net;

namespace IngestHub.Broker.Network;

/// <summary>What a handler may know about the connection a request came on.</summary>
public sealed class ConnectionContext(long connectionId, IPEndPoint? remote)
{
    public long ConnectionId { get; } = connectionId;
    public IPEndPoint? Remote { get; } = remote;
    /// <summary>Client host as Kafka reports it in DescribeGroups ("/127.0.0.1").</summary>
    public string ClientHost { get; } = "/" + (remote?.Address.ToString() ?? "unknown");
}
