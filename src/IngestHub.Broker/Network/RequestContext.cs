using IngestHub.Broker.Security;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Network;

/// <summary>One request as a handler sees it: its header, its undecoded body and the connection it came on.</summary>
public sealed class RequestContext(ConnectionContext connection, RequestHeader header, ReadOnlyMemory<byte> body, bool versionSupported, Authorizer? authorizer = null)
{
    public ConnectionContext Connection { get; } = connection;
    public RequestHeader Header { get; } = header;
    public short ApiVersion => Header.ApiVersion;
    public string? ClientId => Header.ClientId;
    public ReadOnlyMemory<byte> Body { get; } = body;
    /// <summary>False only for an ApiVersions request whose version the broker does not speak.</summary>
    public bool VersionSupported { get; } = versionSupported;
    /// <summary>Decides what the connection's principal may do (allows everything unless the authorizer is on).</summary>
    public Authorizer Authorizer { get; } = authorizer ?? Authorizer.AllowAll;

    /// <summary>Whether this request's principal may do <paramref name="operation"/> on the resource.</summary>
    public bool IsAllowed(AclOperation operation, AclResourceType type, string name) => Authorizer.IsAllowed(Connection, operation, type, name);

    /// <summary>As <see cref="IsAllowed"/>, without logging a denial (for checks that only filter or have an alternative).</summary>
    public bool IsAllowedQuietly(AclOperation operation, AclResourceType type, string name) => Authorizer.IsAllowed(Connection, operation, type, name, logDenial: false);

    public bool IsAllowedOnClusterQuietly(AclOperation operation) => IsAllowedQuietly(operation, AclResourceType.Cluster, AclBinding.ClusterResourceName);

    /// <summary>Whether this request's principal may do <paramref name="operation"/> on the cluster.</summary>
    public bool IsAllowedOnCluster(AclOperation operation) => IsAllowed(operation, AclResourceType.Cluster, AclBinding.ClusterResourceName);

    public bool IsAllowedOnTopic(AclOperation operation, string topic) => IsAllowed(operation, AclResourceType.Topic, topic);

    public bool IsAllowedOnGroup(AclOperation operation, string group) => IsAllowed(operation, AclResourceType.Group, group);

    /// <summary>Topic creation, as Kafka checks it: CREATE on the cluster or on the topic.</summary>
    public bool MayCreateTopic(string topic) => IsAllowedOnClusterQuietly(AclOperation.Create) || IsAllowedOnTopic(AclOperation.Create, topic);
}
