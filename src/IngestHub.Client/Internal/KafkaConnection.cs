using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Client.Internal;

/// <summary>
/// One TCP connection to one broker. Requests are pipelined: callers encode frames and queue them, a single
/// writer loop writes them in order and records them as in flight, and a reader loop matches each response
/// to the oldest in-flight request (Kafka answers a connection's requests in order). A request that outlives
/// its deadline closes the connection, as the Java client does, which fails every pending request.
/// </summary>
internal sealed class KafkaConnection : IAsyncDisposable
{
    private const int MaxResponseBytes = 512 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly string _clientId;
    private readonly int _requestTimeoutMs;
    private readonly Channel<PendingRequest> _outbound =
        Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<PendingRequest> _inFlight = new();
    private readonly CancellationTokenSource _closing = new();
    private Dictionary<ApiKey, (short Min, short Max)> _versions = [];
    private Task _loops = Task.CompletedTask;
    private int _correlationId;
    private volatile Exception? _failure;

    private KafkaConnection(Socket socket, string endpoint, string clientId, int requestTimeoutMs)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Endpoint = endpoint;
        _clientId = clientId;
        _requestTimeoutMs = requestTimeoutMs;
    }

    public string Endpoint { get; }
    public bool IsAlive => _failure is null;
    /// <summary>Completes when the connection has failed or been closed.</summary>
    public Task Closed => _loops;

    /// <summary>Connects and negotiates API versions (ApiVersions v2, falling back to v0).</summary>
    public static async Task<KafkaConnection> ConnectAsync(string host, int port, ClientOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeoutMs);
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new KafkaException(ErrorCode.NetworkException, $"cannot connect to {host}:{port}: {ex.Message}", ex);
        }
#pragma warning disable CA2000 // disposed in the finally below unless handed to the caller
        KafkaConnection? connection = new KafkaConnection(socket, $"{host}:{port}", options.ClientId, options.RequestTimeoutMs);
#pragma warning restore CA2000
        try
        {
            connection.Start();
            await connection.NegotiateVersionsAsync(cancellationToken);
            var ready = connection;
            connection = null; // the caller owns it now
            return ready;
        }
        finally
        {
            if (connection is not null)
                await connection.DisposeAsync();
        }
    }

    private void Start() => _loops = Task.WhenAll(Task.Run(WriteLoopAsync), Task.Run(ReadLoopAsync), Task.Run(TimeoutLoopAsync));

    private async Task NegotiateVersionsAsync(CancellationToken cancellationToken)
    {
        // v2 is the newest non-flexible version; a broker that does not know it answers with a v0 body and error 35.
        var response = await SendAsync<ApiVersionsRequest, ApiVersionsResponse>(new ApiVersionsRequest(), 2, cancellationToken);
        if (response.ErrorCode == ErrorCode.UnsupportedVersion)
            response = await SendAsync<ApiVersionsRequest, ApiVersionsResponse>(new ApiVersionsRequest(), 0, cancellationToken);
        KafkaException.ThrowIfError(response.ErrorCode, $"ApiVersions from {Endpoint}");
        var versions = new Dictionary<ApiKey, (short, short)>();
        foreach (var range in response.ApiKeys)
            versions[range.ApiKey] = (range.MinVersion, range.MaxVersion);
        _versions = versions;
    }

    /// <summary>The highest version both sides speak for this request/response pair, never a flexible one.</summary>
    public short NegotiateVersion<TRequest, TResponse>(short? cap = null)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        var key = TRequest.ApiKey;
        if (!_versions.TryGetValue(key, out var broker))
            throw new KafkaException(ErrorCode.UnsupportedVersion, $"{Endpoint} does not support {key}");
        short max = Math.Min(Math.Min(TRequest.MaxVersion, TResponse.MaxVersion), broker.Max);
        max = Math.Min(max, (short)(FlexibleVersions.FirstFlexibleVersion(key) - 1));
        if (cap is { } c)
            max = Math.Min(max, c);
        short min = Math.Max(Math.Max(TRequest.MinVersion, TResponse.MinVersion), broker.Min);
        if (max < min)
            throw new KafkaException(ErrorCode.UnsupportedVersion, $"no common version of {key} with {Endpoint} (broker {broker.Min}-{broker.Max})");
        return max;
    }

    public bool Supports(ApiKey key) => _versions.ContainsKey(key);

    public Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, CancellationToken cancellationToken, int extraTimeoutMs = 0)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse> =>
        SendAsync<TRequest, TResponse>(request, NegotiateVersion<TRequest, TResponse>(), cancellationToken, extraTimeoutMs);

    public async Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, short version, CancellationToken cancellationToken, int extraTimeoutMs = 0)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        var pending = Enqueue(request, version, expectResponse: true, extraTimeoutMs);
        byte[] frame;
        using (cancellationToken.Register(static p => ((PendingRequest)p!).Completion.TrySetCanceled(), pending))
            frame = await pending.Completion.Task;
        short headerVersion = FlexibleVersions.ResponseHeaderVersion(TResponse.ApiKey, version);
        var reader = new KafkaReader(frame);
        ResponseHeader.Read(ref reader, headerVersion);
        try
        {
            return MessageCodec.Decode<TResponse>(frame.AsMemory(reader.Position), version);
        }
        catch (MalformedMessageException ex)
        {
            Fail(ex);
            throw new KafkaException(ErrorCode.CorruptMessage, $"malformed {TResponse.ApiKey} v{version} response from {Endpoint}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes a request the broker will not answer (Produce with acks=0); completes once written.</summary>
    public Task SendWithoutResponseAsync<TRequest>(TRequest request, short version) where TRequest : IKafkaMessage<TRequest> =>
        Enqueue(request, version, expectResponse: false, 0).Completion.Task;

    private PendingRequest Enqueue<TRequest>(TRequest request, short version, bool expectResponse, int extraTimeoutMs)
        where TRequest : IKafkaMessage<TRequest>
    {
        if (_failure is { } failure)
            throw Disconnected(failure);
        var header = new RequestHeader
        {
            ApiKey = TRequest.ApiKey,
            ApiVersion = version,
            CorrelationId = Interlocked.Increment(ref _correlationId),
            ClientId = _clientId,
        };
        PooledBufferWriter? frame = new PooledBufferWriter(256);
        try
        {
            MessageCodec.WriteRequestFrame(frame, header, request);
            var pending = new PendingRequest(header.CorrelationId, frame, expectResponse,
                Environment.TickCount64 + _requestTimeoutMs + extraTimeoutMs);
            if (!_outbound.Writer.TryWrite(pending))
                throw Disconnected(_failure);
            frame = null; // queued: the write loop, or Fail for what it never wrote, disposes it
            return pending;
        }
        finally
        {
            frame?.Dispose();
        }
    }

    private async Task WriteLoopAsync()
    {
        PendingRequest? current = null;
        try
        {
            var reader = _outbound.Reader;
            while (await reader.WaitToReadAsync(_closing.Token))
            {
                while (reader.TryRead(out current))
                {
                    if (current.ExpectResponse)
                        _inFlight.Enqueue(current);
                    try
                    {
                        await _stream.WriteAsync(current.Frame.WrittenMemory, _closing.Token);
                    }
                    finally
                    {
                        current.Frame.Dispose();
                    }
                    if (!current.ExpectResponse)
                        current.Completion.TrySetResult([]);
                    current = null;
                }
            }
        }
        catch (Exception ex)
        {
            current?.Completion.TrySetException(Disconnected(ex));
            Fail(ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
#pragma warning disable CA2000 // disposing the buffer would close _stream, which the write loop shares; Fail and DisposeAsync close _stream
            var input = new BufferedStream(_stream, 64 * 1024);
#pragma warning restore CA2000
            var sizeBytes = new byte[4];
            while (true)
            {
                await input.ReadExactlyAsync(sizeBytes, _closing.Token);
                int size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
                if (size < 4 || size > MaxResponseBytes)
                    throw new MalformedMessageException($"response size {size} from {Endpoint}");
                byte[] frame = GC.AllocateUninitializedArray<byte>(size);
                await input.ReadExactlyAsync(frame, _closing.Token);
                int correlationId = BinaryPrimitives.ReadInt32BigEndian(frame);
                if (!_inFlight.TryDequeue(out var pending))
                    throw new MalformedMessageException($"unexpected response (correlation id {correlationId}) from {Endpoint}");
                if (pending.CorrelationId != correlationId)
                    throw new MalformedMessageException($"correlation id {correlationId} from {Endpoint}, expected {pending.CorrelationId}");
                pending.Completion.TrySetResult(frame);
            }
        }
        catch (Exception ex)
        {
            Fail(ex is EndOfStreamException ? new IOException($"{Endpoint} closed the connection", ex) : ex);
        }
    }

    private async Task TimeoutLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token))
            {
                long now = Environment.TickCount64;
                foreach (var pending in _inFlight)
                {
                    if (now > pending.DeadlineMs && !pending.Completion.Task.IsCompleted)
                    {
                        var timeout = new KafkaException(ErrorCode.RequestTimedOut, $"request {pending.CorrelationId} to {Endpoint} timed out");
                        pending.Completion.TrySetException(timeout);
                        Fail(timeout);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Closes the connection and fails every queued and in-flight request.</summary>
    public void Fail(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
            return;
        _outbound.Writer.TryComplete();
        _closing.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // already closed
        }
        _stream.Dispose();
        var error = Disconnected(reason);
        while (_inFlight.TryDequeue(out var pending))
            pending.Completion.TrySetException(error);
        while (_outbound.Reader.TryRead(out var queued))
        {
            queued.Frame.Dispose();
            queued.Completion.TrySetException(error);
        }
    }

    private KafkaException Disconnected(Exception? reason) => reason as KafkaException
        ?? new KafkaException(ErrorCode.NetworkException, $"connection to {Endpoint} lost: {reason?.Message ?? "closed"}", reason);

    public async ValueTask DisposeAsync()
    {
        Fail(new ObjectDisposedException(nameof(KafkaConnection), "connection closed by the client"));
        await _loops;
        _closing.Dispose();
    }

    private sealed class PendingRequest(int correlationId, PooledBufferWriter frame, bool expectResponse, long deadlineMs)
    {
        public int CorrelationId { get; } = correlationId;
        public PooledBufferWriter Frame { get; } = frame;
        public bool ExpectResponse { get; } = expectResponse;
        public long DeadlineMs { get; } = deadlineMs;
        public TaskCompletionSource<byte[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
