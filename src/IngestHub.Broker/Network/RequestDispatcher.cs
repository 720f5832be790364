using System.Diagnostics;
using IngestHub.Broker.Handlers;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Network;

/// <summary>
/// Parses the request header, routes the body to the handler registered for its API key and frames the
/// response (size, correlation id, header tagged fields). Unknown API keys, unsupported versions (other than
/// ApiVersions, which answers error 35 with a v0 body) and malformed requests close the connection with a
/// log line; they never reach a handler and never take the broker down.
/// </summary>
public sealed class RequestDispatcher
{
    private readonly ApiHandler?[] _handlers;
    private readonly ILogger _logger;
    private readonly BrokerMetrics? _metrics;
    private readonly Security.Authorizer _authorizer;

    public RequestDispatcher(IEnumerable<ApiHandler> handlers, ILogger logger, BrokerMetrics? metrics = null, Security.Authorizer? authorizer = null)
    {
        _logger = logger;
        _authorizer = authorizer ?? Security.Authorizer.AllowAll;
        _metrics = metrics;
        var all = handlers.ToList();
        _handlers = new ApiHandler?[all.Count == 0 ? 0 : all.Max(h => (int)h.ApiKey) + 1];
        foreach (var handler in all)
        {
            int key = (int)handler.ApiKey;
            if (_handlers[key] is not null)
                throw new InvalidOperationException($"two handlers for API key {handler.ApiKey}");
            _handlers[key] = handler;
        }
    }

    /// <summary>Every registered handler, ordered by API key (ApiVersions is built from this).</summary>
    public IEnumerable<ApiHandler> Handlers
    {
        get
        {
            foreach (var handler in _handlers)
                if (handler is not null)
                    yield return handler;
        }
    }

    /// <summary>
    /// One bare SASL token after a SaslHandshake v0: the answer is written size-prefixed with no Kafka header.
    /// Close when the exchange failed (the failure answer itself is an empty close, as Kafka does for v0).
    /// </summary>
    public async ValueTask<DispatchOutcome> AuthenticateRawAsync(ConnectionContext connection, ReadOnlyMemory<byte> token, PooledBufferWriter output, CancellationToken cancellationToken)
    {
        if (_handlers[(int)ApiKey.SaslAuthenticate] is not SaslAuthenticateHandler handler)
            return DispatchOutcome.Close;
        var step = await handler.StepAsync(connection, token, cancellationToken);
        if (step is null || step.Failed)
            return DispatchOutcome.Close;
        int sizeAt = output.Reserve(4);
        var writer = new KafkaWriter(output);
        writer.WriteRaw(step.Response);
        output.WriteInt32At(sizeAt, output.WrittenCount - 4);
        return DispatchOutcome.Respond;
    }

    public async ValueTask<DispatchOutcome> DispatchAsync(ConnectionContext connection, ReadOnlyMemory<byte> frame, PooledBufferWriter output, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(frame);
        RequestHeader header;
        try
        {
            header = RequestHeader.Read(ref reader, out _);
        }
        catch (MalformedMessageException ex)
        {
            _logger.LogWarning("Closing connection {ConnectionId} from {Remote}: malformed request header ({Reason})", connection.ConnectionId, connection.Remote, ex.Message);
            return DispatchOutcome.Close;
        }

        int keyIndex = (int)header.ApiKey;
        var handler = keyIndex >= 0 && keyIndex < _handlers.Length ? _handlers[keyIndex] : null;
        if (handler is null)
        {
            _logger.LogWarning("Closing connection {ConnectionId} from {Remote} (client {ClientId}): unknown API key {ApiKey}",
                connection.ConnectionId, connection.Remote, header.ClientId, (short)header.ApiKey);
            return DispatchOutcome.Close;
        }

        if (!connection.Authenticated && header.ApiKey is not (ApiKey.ApiVersions or ApiKey.SaslHandshake or ApiKey.SaslAuthenticate))
        {
            // Kafka closes a connection that sends anything else before SASL has succeeded.
            _logger.LogWarning("Closing connection {ConnectionId} from {Remote} (client {ClientId}): {ApiKey} before SASL authentication on listener {Listener}",
                connection.ConnectionId, connection.Remote, header.ClientId, header.ApiKey, connection.Listener?.Name);
            return DispatchOutcome.Close;
        }

        short version = header.ApiVersion;
        bool supported = version >= handler.MinVersion && version <= handler.MaxVersion;
        if (!supported && header.ApiKey != ApiKey.ApiVersions)
        {
            _logger.LogWarning("Closing connection {ConnectionId} from {Remote} (client {ClientId}): {ApiKey} v{Version} is not supported (v{Min}-v{Max})",
                connection.ConnectionId, connection.Remote, header.ClientId, header.ApiKey, version, handler.MinVersion, handler.MaxVersion);
            return DispatchOutcome.Close;
        }

        int sizeAt = output.Reserve(4);
        // An unsupported ApiVersions version is answered with a v0 header and body (error 35), as Kafka does.
        short responseHeaderVersion = supported ? FlexibleVersions.ResponseHeaderVersion(header.ApiKey, version) : (short)0;
        var writer = new KafkaWriter(output);
        ResponseHeader.Write(writer, header.CorrelationId, responseHeaderVersion);
        var request = new RequestContext(connection, header, frame[reader.Position..], supported, _authorizer);
        bool respond;
        long started = Stopwatch.GetTimestamp(); // instrumentation: per-API request count and latency
        bool failed = true;
        try
        {
            respond = await handler.HandleAsync(request, writer, cancellationToken);
            failed = false;
        }
        catch (MalformedMessageException ex)
        {
            _logger.LogWarning("Closing connection {ConnectionId} from {Remote} (client {ClientId}): malformed {ApiKey} v{Version} request ({Reason})",
                connection.ConnectionId, connection.Remote, header.ClientId, header.ApiKey, version, ex.Message);
            return DispatchOutcome.Close;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Handler for {ApiKey} v{Version} failed on a request from {Remote} (client {ClientId}); closing the connection",
                header.ApiKey, version, connection.Remote, header.ClientId);
            return DispatchOutcome.Close;
        }
        finally
        {
            _metrics?.RecordRequest(header.ApiKey, BrokerMetrics.SecondsSince(started), failed);
        }
        if (!respond)
            return DispatchOutcome.NoResponse;
        output.WriteInt32At(sizeAt, output.WrittenCount - 4);
        return DispatchOutcome.Respond;
    }
}
