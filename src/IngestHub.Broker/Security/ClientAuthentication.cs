namespace IngestHub.Broker.Security;

/// <summary>ssl.client.auth: whether a TLS listener asks for a client certificate.</summary>
public enum ClientAuthentication
{
    None,
    Requested,
    Required,
}
