using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using IngestHub.Protocol.Primitives;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Network;

/// <summary>
/// One client connection: finds 4-byte-length frames, rejects oversize ones before buffering them, hands each
/// request to the dispatcher and writes the responses back in request order (Kafka's per-connection ordering:
/// one request is processed at a time while later ones wait in the receive buffer). Closes after
/// <see cref="BrokerOptions.ConnectionsMaxIdleMs"/> without traffic.
/// </summary>
public sealed class KafkaConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly RequestDispatcher _dispatcher;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();

    public KafkaConnection(long id, Socket socket, RequestDispatcher dispatcher, BrokerOptions options, ILogger logger)
    {
        Id = id;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _dispatcher = dispatcher;
        _options = options;
        _logger = logger;
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
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
        var idleTimeout = TimeSpan.FromMilliseconds(_options.ConnectionsMaxIdleMs);
        idle.CancelAfter(idleTimeout);
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        var context = new ConnectionContext(Id, RemoteEndPoint);
        using var response = new PooledBufferWriter(64 * 1024);
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!linked.IsCancellationRequested)
                {
                    _logger.LogInformation("Closing connection {ConnectionId} from {Remote}: idle for {Idle}", Id, RemoteEndPoint, idleTimeout);
                    return;
                }
                var buffer = result.Buffer;
                bool close = false;
                try
                {
                    while (!close && TryReadFrameLength(buffer, out int length))
                    {
                        if (length <= 0 || length > _options.SocketRequestMaxBytes)
                        {
                            _logger.LogWarning(
                                "Closing connection {ConnectionId} from {Remote}: request size {Size} is outside 1..{Max} (socket.request.max.bytes)",
                                Id, RemoteEndPoint, length, _options.SocketRequestMaxBytes);
                            close = true;
                            break;
                        }
                        if (buffer.Length < 4L + length)
                            break; // incomplete frame: wait for more bytes
                        var frame = buffer.Slice(4, length);
                        close = !await ProcessFrameAsync(context, frame, response, linked.Token);
                        buffer = buffer.Slice(frame.End);
                        idle.CancelAfter(idleTimeout);
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (close || result.IsCompleted)
                    return;
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
            await reader.CompleteAsync();
        }
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
            var outcome = await _dispatcher.DispatchAsync(context, body, response, cancellationToken);
            if (outcome == DispatchOutcome.Close)
                return false;
            if (outcome == DispatchOutcome.Respond)
                await SendAsync(response.WrittenMemory, cancellationToken);
            return true;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
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
        _stream.Dispose();
        _socket.Dispose();
        _abort.Dispose();
        return ValueTask.CompletedTask;
    }
}
