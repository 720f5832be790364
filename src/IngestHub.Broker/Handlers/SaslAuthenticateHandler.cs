using IngestHub.Broker.Network;
using IngestHub.Broker.Security;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// SaslAuthenticate (key 36): one token of the exchange chosen by SaslHandshake. Success makes the connection's
/// principal <c>User:&lt;name&gt;</c>; failure answers SASL_AUTHENTICATION_FAILED after
/// <c>connection.failed.authentication.delay.ms</c>, logs the peer, and closes the connection after the response,
/// as Kafka does. The same step serves the bare tokens that follow a SaslHandshake v0.
/// </summary>
public sealed class SaslAuthenticateHandler(int failedAuthenticationDelayMs, ILogger logger) : ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>
{
    protected override async ValueTask<SaslAuthenticateResponse?> HandleAsync(RequestContext request, SaslAuthenticateRequest message, CancellationToken cancellationToken)
    {
        var step = await StepAsync(request.Connection, message.AuthBytes, cancellationToken);
        if (step is null)
            return new SaslAuthenticateResponse { ErrorCode = ErrorCode.IllegalSaslState, ErrorMessage = "SaslAuthenticate without a SaslHandshake, or after authentication" };
        if (step.Failed)
            return new SaslAuthenticateResponse { ErrorCode = ErrorCode.SaslAuthenticationFailed, ErrorMessage = step.Failure };
        return new SaslAuthenticateResponse { AuthBytes = step.Response, SessionLifetimeMs = 0 };
    }

    /// <summary>Runs one step; null when no exchange is under way. A failure marks the connection for closing.</summary>
    public async ValueTask<SaslStep?> StepAsync(ConnectionContext connection, ReadOnlyMemory<byte> token, CancellationToken cancellationToken)
    {
        var authenticator = connection.Sasl;
        if (authenticator is null || connection.Authenticated)
        {
            connection.CloseAfterResponse = true;
            return null;
        }
        SaslStep step;
        try
        {
            step = authenticator.Evaluate(token.Span);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            step = SaslStep.Fail($"Invalid {authenticator.Mechanism} message: {ex.Message}");
        }
        if (step.Failed)
        {
            connection.Sasl = null;
            connection.CloseAfterResponse = true;
            logger.LogWarning("Failed authentication with {Remote} ({Mechanism} on listener {Listener}): {Reason}",
                connection.Remote, authenticator.Mechanism, connection.Listener?.Name, step.Failure);
            if (failedAuthenticationDelayMs > 0)
                await Task.Delay(failedAuthenticationDelayMs, cancellationToken);
            return step;
        }
        if (step.Complete)
        {
            connection.Sasl = null;
            connection.SaslRawTokens = false;
            connection.Authenticated = true;
            connection.Principal = "User:" + step.User;
            logger.LogInformation("Authenticated {Principal} from {Remote} with {Mechanism} on listener {Listener}",
                connection.Principal, connection.Remote, authenticator.Mechanism, connection.Listener?.Name);
        }
        return step;
    }
}
