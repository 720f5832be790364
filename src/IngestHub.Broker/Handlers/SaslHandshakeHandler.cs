using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>SaslHandshake (key 17): the listener is PLAINTEXT, so every mechanism is refused with
/// UNSUPPORTED_SASL_MECHANISM and an empty list, which tells a misconfigured client exactly what is wrong.</summary>
public sealed class SaslHandshakeHandler : ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse>
{
    protected override ValueTask<SaslHandshakeResponse?> HandleAsync(RequestContext request, SaslHandshakeRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SaslHandshakeResponse?>(new SaslHandshakeResponse { ErrorCode = ErrorCode.UnsupportedSaslMechanism });
}
