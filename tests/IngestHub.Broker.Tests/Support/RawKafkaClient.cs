using System.Buffers.Binary;
using System.Net.Sockets;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Broker.Tests.Support;

/// <summary>A minimal one-request-at-a-time Kafka client for broker tests: encodes with the protocol codecs,
/// reads one response frame back, and can send raw bytes.</summary>
public sealed class RawKafkaClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private RawKafkaClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawKafkaClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawKafkaClient(tcp);
    }

    public async Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, short version, TimeSpan? timeout = null)
        where TRequest : IKafkaMessage<TRequest>
        where TResponse : IKafkaMessage<TResponse>
    {
        int correlationId = ++_correlationId;
        await SendOnlyAsync(request, version, correlationId);
        var frame = await ReadFrameAsync(timeout ?? TimeSpan.FromSeconds(30)) ?? throw new IOException("connection closed before a response arrived");
        var reader = new KafkaReader(frame);
        var header = ResponseHeader.Read(ref reader, FlexibleVersions.ResponseHeaderVersion(TRequest.ApiKey, version));
        Assert.Equal(correlationId, header.CorrelationId);
        return TResponse.Read(ref reader, version);
    }

    public async Task SendOnlyAsync<TRequest>(TRequest request, short version, int? correlationId = null) where TRequest : IKafkaMessage<TRequest>
    {
        using var output = new PooledBufferWriter();
        var header = new RequestHeader { ApiKey = TRequest.ApiKey, ApiVersion = version, CorrelationId = correlationId ?? ++_correlationId, ClientId = "broker-tests" };
        MessageCodec.WriteRequestFrame(output, header, request);
        await _stream.WriteAsync(output.WrittenMemory);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Reads one response frame (without its size prefix); null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var prefix = new byte[4];
        if (!await ReadExactlyOrEofAsync(prefix, cts.Token))
            return null;
        int size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        var frame = new byte[size];
        if (!await ReadExactlyOrEofAsync(frame, cts.Token))
            return null;
        return frame;
    }

    /// <summary>True when the broker closes the connection within the timeout (reads return 0 or reset).</summary>
    public async Task<bool> IsClosedByPeerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await _stream.ReadAsync(buffer, cts.Token);
                if (n == 0)
                    return true;
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> ReadExactlyOrEofAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            }
            catch (IOException)
            {
                return false;
            }
            if (n == 0)
                return false;
            read += n;
        }
        return true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
