using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Client.Internal;

/// <summary>
/// One TCP connection to one broker. Requests are pipelined: callers encode frames and queue them, a single
/// writer loop writes them in order and records them as in flight, and a reader loop matches each response
/// to the oldest in-flight request (Kafka answers a connection's requests in order). A request that outlives
/// its deadline closes the connection, as the Java client does, which fails every pending request. With
/// <c>security.protocol</c> SSL or SASL_SSL the connection starts with a TLS handshake; with SASL_* it authenticates
/// (SaslHandshake v1, then SaslAuthenticate) right after ApiVersions, before any other request.
/// </summary>
internal sealed class KafkaConnection : IAsyncDisposable
{
    private const int MaxResponseBytes = 512 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;
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

    private KafkaConnection(Socket socket, Stream stream, string endpoint, string clientId, int requestTimeoutMs)
    {
        _socket = socket;
        _stream = stream;
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
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (options.UsesTls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            stream = ssl;
            try
            {
                await ssl.AuthenticateAsClientAsync(TlsOptions(host, options), timeout.Token);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await ssl.DisposeAsync();
                throw new KafkaException(ErrorCode.NetworkException, $"TLS handshake with {host}:{port} failed: {ex.Message}", ex);
            }
        }
        KafkaConnection? connection = new KafkaConnection(socket, stream, $"{host}:{port}", options.ClientId, options.RequestTimeoutMs);
#pragma warning restore CA2000
        try
        {
            connection.Start();
            await connection.NegotiateVersionsAsync(cancellationToken);
            if (options.UsesSasl)
                await connection.AuthenticateAsync(options, cancellationToken);
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

    private static SslClientAuthenticationOptions TlsOptions(string host, ClientOptions options)
    {
        var tls = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (!string.IsNullOrWhiteSpace(options.SslCertificateLocation))
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.SslCertificateLocation, options.SslKeyLocation);
            tls.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }
        bool checkName = !string.Equals(options.SslEndpointIdentificationAlgorithm, "none", StringComparison.OrdinalIgnoreCase)
            && options.SslEndpointIdentificationAlgorithm.Length > 0;
        X509Certificate2Collection? roots = null;
        if (!string.IsNullOrWhiteSpace(options.SslCaLocation))
        {
            roots = [];
            roots.ImportFromPemFile(options.SslCaLocation);
        }
        tls.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (certificate is null)
                return false;
            if (checkName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
                return false;
            if (roots is null)
                return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(roots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
                custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
            using var presented = new X509Certificate2(certificate);
            return custom.Build(presented);
        };
        return tls;
    }

    private async Task AuthenticateAsync(ClientOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.SaslUsername) || options.SaslPassword is null)
            throw new KafkaException(ErrorCode.SaslAuthenticationFailed, $"security.protocol {options.SecurityProtocol} needs sasl.username and sasl.password");
        var sasl = new SaslClient(options.SaslMechanism, options.SaslUsername, options.SaslPassword);
        if (!Supports(ApiKey.SaslAuthenticate))
            throw new KafkaException(ErrorCode.UnsupportedVersion, $"{Endpoint} does not support SaslAuthenticate");
        var handshake = await SendAsync<SaslHandshakeRequest, SaslHandshakeResponse>(new SaslHandshakeRequest { Mechanism = sasl.Mechanism }, 1, cancellationToken);
        if (handshake.ErrorCode != ErrorCode.None)
            throw new KafkaException(handshake.ErrorCode,
                $"{Endpoint} refused SASL mechanism {sasl.Mechanism} (it offers: {string.Join(", ", handshake.Mechanisms)})");
        byte[]? token = sasl.Start();
        while (token is not null)
        {
            var answer = await SendAsync<SaslAuthenticateRequest, SaslAuthenticateResponse>(new SaslAuthenticateRequest { AuthBytes = token }, cancellationToken);
            if (answer.ErrorCode != ErrorCode.None)
                throw new KafkaException(answer.ErrorCode, $"SASL authentication with {Endpoint} failed: {answer.ErrorMessage ?? answer.ErrorCode.ToString()}");
            token = sasl.Next(answer.AuthBytes.Span);
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

    /// <summary>Sends a request and decodes its response. <paramref name="frameSizeHint"/>: the expected size of the
    /// encoded request (a Produce request's batches), so its buffer is rented once.</summary>
    public Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, CancellationToken cancellationToken, int extraTimeoutMs = 0, int frameSizeHint = 0)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse> =>
        SendAsync<TRequest, TResponse>(request, NegotiateVersion<TRequest, TResponse>(), cancellationToken, extraTimeoutMs, frameSizeHint);

    public async Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, short version, CancellationToken cancellationToken, int extraTimeoutMs = 0,
        int frameSizeHint = 0)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        var pending = Enqueue(request, version, expectResponse: true, extraTimeoutMs, frameSizeHint);
        ResponseFrame frame;
        using (cancellationToken.Register(static p => ((PendingRequest)p!).Completion.TrySetCanceled(), pending))
            frame = await pending.Completion.Task;
        return Decode<TResponse>(frame, version);
    }

    /// <summary>Like <see cref="SendAsync{TRequest, TResponse}(TRequest, CancellationToken, int, int)"/>, but the response is
    /// read into a pooled buffer that the decoded response's byte fields (a Fetch response's records) point into: use
    /// them only until the returned lease is disposed, which gives the buffer back.</summary>
    public async Task<PooledResponse<TResponse>> SendPooledAsync<TRequest, TResponse>(TRequest request, CancellationToken cancellationToken, int extraTimeoutMs = 0)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        short version = NegotiateVersion<TRequest, TResponse>();
        var pending = Enqueue(request, version, expectResponse: true, extraTimeoutMs, 0, pooledResponse: true);
        ResponseFrame frame;
        using (cancellationToken.Register(static p => ((PendingRequest)p!).Completion.TrySetCanceled(), pending))
            frame = await pending.Completion.Task;
        try
        {
            return new PooledResponse<TResponse>(Decode<TResponse>(frame, version), frame.Buffer);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(frame.Buffer);
            throw;
        }
    }

    private TResponse Decode<TResponse>(ResponseFrame frame, short version) where TResponse : IKafkaMessage<TResponse>
    {
        short headerVersion = FlexibleVersions.ResponseHeaderVersion(TResponse.ApiKey, version);
        var bytes = frame.Buffer.AsMemory(0, frame.Length);
        var reader = new KafkaReader(bytes);
        ResponseHeader.Read(ref reader, headerVersion);
        try
        {
            return MessageCodec.Decode<TResponse>(bytes[reader.Position..], version);
        }
        catch (MalformedMessageException ex)
        {
            Fail(ex);
            throw new KafkaException(ErrorCode.CorruptMessage, $"malformed {TResponse.ApiKey} v{version} response from {Endpoint}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes a request the broker will not answer (Produce with acks=0); completes once written.</summary>
    public Task SendWithoutResponseAsync<TRequest>(TRequest request, short version) where TRequest : IKafkaMessage<TRequest> =>
        Enqueue(request, version, expectResponse: false, 0, 0).Completion.Task;

    private PendingRequest Enqueue<TRequest>(TRequest request, short version, bool expectResponse, int extraTimeoutMs, int frameSizeHint,
        bool pooledResponse = false)
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
        PooledBufferWriter? frame = new PooledBufferWriter(Math.Max(frameSizeHint, 256));
        try
        {
            MessageCodec.WriteRequestFrame(frame, header, request);
            var pending = new PendingRequest(header.CorrelationId, frame, expectResponse,
                Environment.TickCount64 + _requestTimeoutMs + extraTimeoutMs, pooledResponse);
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
                        current.Completion.TrySetResult(default);
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
                // Only this loop takes responses off the queue, so the head is the request this response answers.
                bool pooled = _inFlight.TryPeek(out var head) && head.PooledResponse;
                byte[] frame = pooled ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);
                await input.ReadExactlyAsync(frame.AsMemory(0, size), _closing.Token);
                int correlationId = BinaryPrimitives.ReadInt32BigEndian(frame);
                if (!_inFlight.TryDequeue(out var pending))
                    throw new MalformedMessageException($"unexpected response (correlation id {correlationId}) from {Endpoint}");
                if (pending.CorrelationId != correlationId)
                    throw new MalformedMessageException($"correlation id {correlationId} from {Endpoint}, expected {pending.CorrelationId}");
                if (!pending.Completion.TrySetResult(new ResponseFrame(frame, size)) && pooled)
                    ArrayPool<byte>.Shared.Return(frame); // the caller gave up (cancelled or timed out)
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
        _socket.Dispose();
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

    private readonly record struct ResponseFrame(byte[] Buffer, int Length);

    private sealed class PendingRequest(int correlationId, PooledBufferWriter frame, bool expectResponse, long deadlineMs, bool pooledResponse)
    {
        public bool PooledResponse { get; } = pooledResponse;
        public int CorrelationId { get; } = correlationId;
        public PooledBufferWriter Frame { get; } = frame;
        public bool ExpectResponse { get; } = expectResponse;
        public long DeadlineMs { get; } = deadlineMs;
        public TaskCompletionSource<ResponseFrame> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A response decoded over a pooled buffer; disposing gives the buffer back (after which the response's
/// byte fields must not be read).</summary>
internal sealed class PooledResponse<TResponse>(TResponse response, byte[] buffer) : IDisposable
{
    private byte[]? _buffer = buffer;

    public TResponse Response { get; } = response;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } rented)
            ArrayPool<byte>.Shared.Return(rented);
    }
}
