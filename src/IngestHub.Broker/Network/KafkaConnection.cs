using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using IngestHub.Broker.Security;
using IngestHub.Protocol.Primitives;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Network;

/// <summary>
/// One client connection: finds 4-byte-length frames, rejects oversize ones before buffering them, hands each
/// request to the dispatcher and writes the responses back in request order (Kafka's per-connection ordering:
/// one request is processed at a time while later ones wait in the receive buffer). Closes after
/// <see cref="BrokerOptions.ConnectionsMaxIdleMs"/> without traffic. On an SSL or SASL_SSL listener the TLS
/// handshake comes first (bounded in time); a client certificate, when one was verified, gives the principal.
/// </summary>
public sealed class KafkaConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly ListenerEndpoint? _listener;
    private readonly ListenerEndpoint? _advertised;
    private readonly TlsCertificateSource? _tls;
    private Stream _stream;
    private readonly RequestDispatcher _dispatcher;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private readonly BrokerMetrics? _metrics;
    private readonly int _maxRequestBytes;

    public KafkaConnection(long id, Socket socket, RequestDispatcher dispatcher, BrokerOptions options, ILogger logger,
        ListenerEndpoint? listener = null, ListenerEndpoint? advertised = null, TlsCertificateSource? tls = null, BrokerMetrics? metrics = null)
    {
        Id = id;
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: false);
        _stream = _network;
        _listener = listener;
        _advertised = advertised;
        _tls = tls;
        _dispatcher = dispatcher;
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _maxRequestBytes = listener is not null && options.ListenerOverrides.TryGetValue(listener.Name, out var overrides) && overrides.SocketRequestMaxBytes is { } max
            ? max
            : options.SocketRequestMaxBytes;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
    }

    public long Id { get; }
    public IPEndPoint? RemoteEndPoint { get; }

    public void Abort()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _abort.Token);
        var idleTimeout = TimeSpan.FromMilliseconds(_options.ConnectionsMaxIdleMs);
        var receiveTimeout = TimeSpan.FromMilliseconds(_options.RequestReceiveTimeoutMs);
        var context = new ConnectionContext(Id, RemoteEndPoint, _listener, _advertised);
        if (_tls is not null && !await HandshakeAsync(context, linked.Token))
            return;
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        using var response = new PooledBufferWriter(64 * 1024);
        // One timer bounds each socket read: connections.max.idle.ms between requests, and the receive timeout once
        // a request has begun to arrive (measured from when its first bytes were seen).
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
        long partialSince = 0;
        try
        {
            while (true)
            {
                ReadResult result;
                bool receiving = partialSince != 0;
                var timeout = receiving ? receiveTimeout - Stopwatch.GetElapsedTime(partialSince) : idleTimeout;
                if (deadline.IsCancellationRequested || !deadline.TryReset())
                {
                    deadline.Dispose();
                    deadline = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
                }
                deadline.CancelAfter(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
                try
                {
                    result = await reader.ReadAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!linked.IsCancellationRequested)
                {
                    if (receiving)
                    {
                        _metrics?.RecordClosed("request_timeout");
                        _logger.LogWarning("Closing connection {ConnectionId} from {Remote}: a request began to arrive but was not complete within {Timeout} ms",
                            Id, RemoteEndPoint, _options.RequestReceiveTimeoutMs);
                    }
                    else
                    {
                        _metrics?.RecordClosed("idle");
                        _logger.LogInformation("Closing connection {ConnectionId} from {Remote}: idle for {Idle}", Id, RemoteEndPoint, idleTimeout);
                    }
                    return;
                }
                var buffer = result.Buffer;
                bool close = false;
                bool completed = false;
                try
                {
                    while (!close && TryReadFrameLength(buffer, out int length))
                    {
                        if (length <= 0 || length > _maxRequestBytes)
                        {
                            _metrics?.RecordClosed("request_too_large");
                            _logger.LogWarning(
                                "Closing connection {ConnectionId} from {Remote} on listener {Listener}: request size {Size} is outside 1..{Max} (socket.request.max.bytes)",
                                Id, RemoteEndPoint, _listener?.Name, length, _maxRequestBytes);
                            close = true;
                            break;
                        }
                        if (buffer.Length < 4L + length)
                            break; // incomplete frame: wait for more bytes
                        var frame = buffer.Slice(4, length);
                        close = !await ProcessFrameAsync(context, frame, response, linked.Token);
                        buffer = buffer.Slice(frame.End);
                        completed = true;
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (close || result.IsCompleted)
                    return;
                // Bytes of a next request are buffered: its receive clock runs from now (time spent muted or handling
                // earlier requests is not the client's).
                if (buffer.IsEmpty)
                    partialSince = 0;
                else if (partialSince == 0 || completed)
                    partialSince = Stopwatch.GetTimestamp();
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // broker shutdown or abort
        }
        catch (IOException ex)
        {
            _logger.LogDebug(ex, "Connection {ConnectionId} from {Remote} broke", Id, RemoteEndPoint);
        }
        catch (SocketException ex)
        {
            _logger.LogDebug(ex, "Connection {ConnectionId} from {Remote} broke", Id, RemoteEndPoint);
        }
        finally
        {
            deadline.Dispose();
            await reader.CompleteAsync();
        }
    }

    /// <summary>Server-side TLS handshake; false (with a log line naming the peer) when it fails or times out.</summary>
    private async Task<bool> HandshakeAsync(ConnectionContext context, CancellationToken cancellationToken)
    {
#pragma warning disable CA2000 // owned by the connection from here on; disposed in DisposeAsync
        var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
#pragma warning restore CA2000
        _stream = ssl;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Ssl.HandshakeTimeoutMs);
        try
        {
            await ssl.AuthenticateAsServerAsync(_tls!.ServerOptions(), timeout.Token);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            string reason = ex is OperationCanceledException ? $"no handshake within {_options.Ssl.HandshakeTimeoutMs} ms" : (ex.InnerException?.Message ?? ex.Message);
            _logger.LogWarning("TLS handshake with {Remote} on listener {Listener} failed: {Reason}", RemoteEndPoint, _listener?.Name, reason);
            return false;
        }
        if (ssl.RemoteCertificate is { } certificate)
        {
            // Kafka's default principal for SSL: the certificate subject's distinguished name.
            context.Principal = "User:" + certificate.Subject.Replace(", ", ",", StringComparison.Ordinal);
        }
        return true;
    }

    private static bool TryReadFrameLength(in ReadOnlySequence<byte> buffer, out int length)
    {
        length = 0;
        if (buffer.Length < 4)
            return false;
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        return true;
    }

    /// <summary>Handles one request; returns false when the connection must be closed.</summary>
    private async ValueTask<bool> ProcessFrameAsync(ConnectionContext context, ReadOnlySequence<byte> frame, PooledBufferWriter response, CancellationToken cancellationToken)
    {
        int length = (int)frame.Length;
        // Requests are decoded from one contiguous block; a frame split across pipe segments is copied once.
        byte[]? rented = null;
        ReadOnlyMemory<byte> body;
        if (frame.IsSingleSegment)
        {
            body = frame.First;
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent(length);
            frame.CopyTo(rented);
            body = rented.AsMemory(0, length);
        }
        try
        {
            response.Clear();
            var outcome = context.SaslRawTokens
                ? await _dispatcher.AuthenticateRawAsync(context, body, response, cancellationToken)
                : await _dispatcher.DispatchAsync(context, body, response, cancellationToken);
            if (outcome == DispatchOutcome.Close)
                return false;
            int throttleMs = context.TakeThrottle(out bool throttleAfterResponse);
            if (throttleMs > 0 && !throttleAfterResponse)
                await Task.Delay(throttleMs, cancellationToken); // clients before KIP-219: the response itself is delayed
            if (outcome == DispatchOutcome.Respond)
                await SendAsync(response.WrittenMemory, cancellationToken);
            if (throttleMs > 0 && throttleAfterResponse)
                await Task.Delay(throttleMs, cancellationToken); // KIP-219: answered at once, then the channel is muted
            return !context.CloseAfterResponse;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(_stream, _network))
        {
            await _stream.WriteAsync(data, cancellationToken);
            return;
        }
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken);
            if (sent <= 0)
                throw new IOException("socket closed while sending");
            data = data[sent..];
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        if (!ReferenceEquals(_stream, _network))
            _stream.Dispose();
        _network.Dispose();
        _socket.Dispose();
        _abort.Dispose();
        return ValueTask.CompletedTask;
    }
}
