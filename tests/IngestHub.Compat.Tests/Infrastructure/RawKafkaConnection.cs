using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>
/// A bare TCP connection to the broker: sends arbitrary bytes and hand-encoded requests, and tells whether the
/// broker answered or closed the connection.
/// </summary>
public sealed class RawKafkaConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawKafkaConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>Connects to 127.0.0.1.</summary>
    public static Task<RawKafkaConnection> ConnectAsync(int port, CancellationToken cancellationToken = default) => ConnectAsync(port, null, cancellationToken);

    /// <summary>Connects to 127.0.0.1 from <paramref name="localAddress"/> (another loopback address looks like another client host).</summary>
    public static async Task<RawKafkaConnection> ConnectAsync(int port, System.Net.IPAddress? localAddress, CancellationToken cancellationToken = default)
    {
#pragma warning disable CA2000 // owned by the returned connection
        var client = localAddress is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(localAddress, 0));
#pragma warning restore CA2000
        client.NoDelay = true;
        await client.ConnectAsync("127.0.0.1", port, cancellationToken);
        return new RawKafkaConnection(client);
    }

    /// <summary>
    /// Writes bytes; false when the broker has closed the connection or stopped reading (the write did not finish
    /// within 10 seconds).
    /// </summary>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await _stream.WriteAsync(bytes, deadline.Token);
            await _stream.FlushAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Closes our sending side, as a client that gave up mid-request would.</summary>
    public void ShutdownSend() => _client.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Waits for the broker to react: some bytes arrived (answered), or end of stream or reset (closed).</summary>
    public async Task<BrokerReaction> WaitForReactionAsync(TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            int read = await _stream.ReadAsync(buffer, deadline.Token);
            return read == 0 ? BrokerReaction.Closed : BrokerReaction.Answered;
        }
        catch (OperationCanceledException)
        {
            return BrokerReaction.None;
        }
        catch (IOException)
        {
            return BrokerReaction.Closed;
        }
        catch (SocketException)
        {
            return BrokerReaction.Closed;
        }
    }

    /// <summary>Sends ApiVersions v0 and decodes the answer; throws when it is not a well-formed success.</summary>
    public async Task<IReadOnlyList<(short ApiKey, short Min, short Max)>> ApiVersionsAsync(int correlationId, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _stream.WriteAsync(EncodeRequest(apiKey: 18, apiVersion: 0, correlationId, body: []), deadline.Token);
        byte[] response = await ReadFrameAsync(deadline.Token);
        int correlation = BinaryPrimitives.ReadInt32BigEndian(response);
        if (correlation != correlationId)
            throw new InvalidDataException($"correlation id {correlation}, expected {correlationId}");
        short error = BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4));
        if (error != 0)
            throw new InvalidDataException($"ApiVersions error {error}");
        int count = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(6));
        if (count < 0 || 10 + count * 6 > response.Length)
            throw new InvalidDataException($"ApiVersions array of {count} in a {response.Length}-byte response");
        var apis = new List<(short, short, short)>(count);
        for (int i = 0; i < count; i++)
        {
            var entry = response.AsSpan(10 + i * 6);
            apis.Add((BinaryPrimitives.ReadInt16BigEndian(entry), BinaryPrimitives.ReadInt16BigEndian(entry[2..]),
                BinaryPrimitives.ReadInt16BigEndian(entry[4..])));
        }
        return apis;
    }

    /// <summary>Reads one size-prefixed response frame (the size itself is not returned).</summary>
    public async Task<byte[]> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var sizeBytes = new byte[4];
        await _stream.ReadExactlyAsync(sizeBytes, cancellationToken);
        int size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size is < 4 or > 16 * 1024 * 1024)
            throw new InvalidDataException($"response frame size {size}");
        var frame = new byte[size];
        await _stream.ReadExactlyAsync(frame, cancellationToken);
        return frame;
    }

    /// <summary>Size prefix, request header v1 (api key, version, correlation id, client id "compat"), then the body.</summary>
    public static byte[] EncodeRequest(short apiKey, short apiVersion, int correlationId, ReadOnlySpan<byte> body)
    {
        byte[] clientId = Encoding.ASCII.GetBytes("compat");
        int size = 2 + 2 + 4 + 2 + clientId.Length + body.Length;
        var frame = new byte[4 + size];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, size);
        BinaryPrimitives.WriteInt16BigEndian(span[4..], apiKey);
        BinaryPrimitives.WriteInt16BigEndian(span[6..], apiVersion);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], correlationId);
        BinaryPrimitives.WriteInt16BigEndian(span[12..], (short)clientId.Length);
        clientId.CopyTo(span[14..]);
        body.CopyTo(span[(14 + clientId.Length)..]);
        return frame;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
