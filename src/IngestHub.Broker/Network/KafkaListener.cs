using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Network;

/// <summary>
/// Accepts Kafka client connections on one TCP endpoint and runs a <see cref="KafkaConnection"/> for each.
/// Stopping closes the listening socket, then every open connection, and waits for them to finish.
/// </summary>
public sealed class KafkaListener : IAsyncDisposable
{
    private readonly RequestDispatcher _dispatcher;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<long, KafkaConnection> _connections = [];
    private readonly Lock _connectionsLock = new();
    private Task? _acceptLoop;
    private long _nextConnectionId;

    public KafkaListener(RequestDispatcher dispatcher, BrokerOptions options, ILogger logger)
    {
        _dispatcher = dispatcher;
        _options = options;
        _logger = logger;
        var address = IPAddress.Parse(options.ListenAddress);
        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(new IPEndPoint(address, options.Port));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The bound endpoint (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public int OpenConnections
    {
        get { lock (_connectionsLock) return _connections.Count; }
    }

    public void Start()
    {
        _socket.Listen(512);
        _acceptLoop = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // Transient accept failures (EMFILE, aborted handshakes) must not stop the listener.
                _logger.LogWarning(ex, "Accept failed on {EndPoint}", LocalEndPoint);
                await Task.Delay(50);
                continue;
            }
            client.NoDelay = true;
            long id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new KafkaConnection(id, client, _dispatcher, _options, _logger);
            lock (_connectionsLock)
                _connections[id] = connection;
            _ = RunConnectionAsync(connection);
        }
    }

    private async Task RunConnectionAsync(KafkaConnection connection)
    {
        try
        {
            await connection.RunAsync(_stopping.Token);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Connection {ConnectionId} from {Remote} failed", connection.Id, connection.RemoteEndPoint);
        }
        finally
        {
            lock (_connectionsLock)
                _connections.Remove(connection.Id);
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        _stopping.Cancel();
        _socket.Dispose();
        if (_acceptLoop is not null)
            await _acceptLoop;
        KafkaConnection[] open;
        lock (_connectionsLock)
            open = [.. _connections.Values];
        foreach (var connection in open)
            connection.Abort();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (OpenConnections > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        _stopping.Dispose();
    }
}
