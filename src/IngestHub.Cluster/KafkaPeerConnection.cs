using System.Buffers.Binary;
using System.Net.Sockets;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Cluster;

/// <summary>
/// A follower's connection to a leader: one request at a time, Kafka framing (size, header v0/v1, body). Used only
/// for Fetch and OffsetForLeaderEpoch at versions whose response header is v0.
/// </summary>
internal sealed class KafkaPeerConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly string _clientId;
    private int _correlationId;

    private KafkaPeerConnection(TcpClient client, string clientId)
    {
        _client = client;
        _stream = client.GetStream();
        _clientId = clientId;
    }

    public static async Task<KafkaPeerConnection> ConnectAsync(string host, int port, string clientId, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(host, port, timeout.Token);
            return new KafkaPeerConnection(client, clientId);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, short version, int timeoutMs, CancellationToken cancellationToken)
        where TRequest : IKafkaMessage<TRequest>
        where TResponse : IKafkaMessage<TResponse>
    {
        int correlationId = ++_correlationId;
        byte[] frame;
        using (var buffer = new PooledBufferWriter())
        {
            buffer.Reserve(4);
            var writer = new KafkaWriter(buffer);
            new RequestHeader { ApiKey = TRequest.ApiKey, ApiVersion = version, CorrelationId = correlationId, ClientId = _clientId }.Write(writer);
            request.Write(writer, version);
            buffer.WriteInt32At(0, buffer.WrittenCount - 4);
            frame = buffer.WrittenSpan.ToArray();
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(timeoutMs);
        await _stream.WriteAsync(frame, timeout.Token);
        var sizeBytes = new byte[4];
        await _stream.ReadExactlyAsync(sizeBytes, timeout.Token);
        int size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size < 4 || size > 256 * 1024 * 1024)
            throw new IOException($"invalid response size {size}");
        var body = new byte[size];
        await _stream.ReadExactlyAsync(body, timeout.Token);
        return Decode<TResponse>(body, correlationId, version);
    }

    private static TResponse Decode<TResponse>(byte[] body, int correlationId, short version) where TResponse : IKafkaMessage<TResponse>
    {
        var reader = new KafkaReader(body);
        int received = reader.ReadInt32();
        if (received != correlationId)
            throw new IOException($"response correlation id {received}, expected {correlationId}");
        if (version >= TResponse.FirstFlexibleVersion)
            reader.SkipTaggedFields();
        return TResponse.Read(ref reader, version);
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
