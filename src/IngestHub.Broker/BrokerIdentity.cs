namespace IngestHub.Broker;

/// <summary>Who this broker is to clients: node id, cluster id and the advertised endpoint (known after the
/// listener binds, since port 0 picks a free port).</summary>
public sealed class BrokerIdentity
{
    public int NodeId { get; init; }
    /// <summary>From meta.properties; in cluster mode the id the cluster shares.</summary>
    public string ClusterId { get; set; } = "";
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; }
}
