using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// Serves one API key over the version range it declares. The registry of handlers is the single source of
/// what the broker advertises in ApiVersions, so nothing unimplemented is ever offered.
/// </summary>
public abstract class ApiHandler
{
    public abstract ApiKey ApiKey { get; }
    public abstract short MinVersion { get; }
    public abstract short MaxVersion { get; }

    /// <summary>Decodes the request body, handles it and writes the response body. Returns false when no
    /// response is sent (Produce with acks=0).</summary>
    public abstract ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken);
}
