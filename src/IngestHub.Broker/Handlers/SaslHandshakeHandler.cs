using IngestHub.Broker.Network;
using IngestHub.Broker.Security;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// SaslHandshake (key 17): picks the mechanism of the exchange that follows and lists the enabled ones. On a
/// listener without SASL every mechanism is refused with UNSUPPORTED_SASL_MECHANISM and an empty list, which
/// tells a misconfigured client exactly what is wrong. v0 means the tokens that follow are sent bare (framed by
/// size only); v1 means they come in SaslAuthenticate requests.
/// </summary>
public sealed class SaslHandshakeHandler(SaslMechanisms? mechanisms = null) : ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse>
{
    protected override ValueTask<SaslHandshakeResponse?> HandleAsync(RequestContext request, SaslHandshakeRequest message, CancellationToken cancellationToken)
    {
        var connection = request.Connection;
        if (mechanisms is null || connection.Listener is not { UsesSasl: true })
            return Answer(new SaslHandshakeResponse { ErrorCode = ErrorCode.UnsupportedSaslMechanism });
        var response = new SaslHandshakeResponse { Mechanisms = [.. mechanisms.Enabled] };
        if (connection.Authenticated || connection.Sasl is not null)
        {
            response.ErrorCode = ErrorCode.IllegalSaslState;
            connection.CloseAfterResponse = true;
            return Answer(response);
        }
        var authenticator = mechanisms.Create(message.Mechanism);
        if (authenticator is null)
        {
            response.ErrorCode = ErrorCode.UnsupportedSaslMechanism;
            connection.CloseAfterResponse = true;
            return Answer(response);
        }
        connection.Sasl = authenticator;
        connection.SaslRawTokens = request.ApiVersion == 0;
        return Answer(response);
    }

    private static ValueTask<SaslHandshakeResponse?> Answer(SaslHandshakeResponse response) => ValueTask.FromResult<SaslHandshakeResponse?>(response);
}
