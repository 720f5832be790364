using System.Net;
using System.Net.Sockets;
using IngestHub.Broker.Security;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Network;

/// <summary>
/// Accepts Kafka client connections on one TCP endpoint (one entry of <c>listeners</c>) and runs a
/// <see cref="KafkaConnection"/> for each, with TLS first on SSL and SASL_SSL listeners.
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
    private readonly ListenerEndpoint _endpoint;
    private readonly TlsCertificateSource? _tls;
    private readonly ConnectionLimits _limits;
    private readonly BrokerMetrics? _metrics;
    private readonly RateLimitedWarning _refusalLog;
    private Task? _acceptLoop;
    private long _nextConnectionId;

    public KafkaListener(RequestDispatcher dispatcher, BrokerOptions options, ILogger logger, ListenerEndpoint? endpoint = null, TlsCertificateSource? tls = null,
        ConnectionLimits? limits = null, BrokerMetrics? metrics = null)
    {
        _dispatcher = dispatcher;
        _options = options;
        _logger = logger;
        _limits = limits ?? new ConnectionLimits(options);
        _metrics = metrics;
        _refusalLog = new RateLimitedWarning(logger, TimeSpan.FromSeconds(5));
        endpoint ??= new ListenerEndpoint("PLAINTEXT", SecurityProtocol.Plaintext, options.ListenAddress, options.Port);
        if (endpoint.UsesTls && tls is null)
            throw new InvalidOperationException($"listener {endpoint.Name} uses TLS but no certificate is configured (broker:Ssl)");
        _tls = endpoint.UsesTls ? tls : null;
        var address = ParseAddress(endpoint.Host);
        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(new IPEndPoint(address, endpoint.Port));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _endpoint = endpoint with { Port = LocalEndPoint.Port };
        Advertised = _endpoint;
    }

    /// <summary>The listener as bound (the real port when 0 was asked for).</summary>
    public ListenerEndpoint Endpoint => _endpoint;

    /// <summary>What clients of this listener are told in Metadata and FindCoordinator.</summary>
    public ListenerEndpoint Advertised { get; set; }

    private static IPAddress ParseAddress(string host)
    {
        if (IPAddress.TryParse(host, out var address))
            return address;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return IPAddress.Loopback;
        var resolved = Dns.GetHostAddresses(host);
        return resolved.Length > 0 ? resolved[0] : throw new FormatException($"listener host '{host}' does not resolve");
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
            var peer = client.RemoteEndPoint as IPEndPoint;
            var address = peer?.Address ?? IPAddress.None;
            var refusal = _limits.TryAcquire(_endpoint.Name, address);
            if (refusal != ConnectionRefusal.None)
            {
                Refuse(client, peer, refusal);
                continue;
            }
            client.NoDelay = true;
            long id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new KafkaConnection(id, client, _dispatcher, _options, _logger, _endpoint, Advertised, _tls, _metrics);
            lock (_connectionsLock)
                _connections[id] = connection;
            _ = RunConnectionAsync(connection, address);
        }
    }

    /// <summary>Closes a connection over a limit at once; the warning names the peer and the limit (at most one line
    /// every few seconds, with the count of refusals it stands for).</summary>
    private void Refuse(Socket client, IPEndPoint? peer, ConnectionRefusal refusal)
    {
        string limit = ConnectionLimits.Name(refusal);
        int value = refusal switch
        {
            ConnectionRefusal.MaxConnections => _options.MaxConnections,
            ConnectionRefusal.ListenerMaxConnections => _options.ListenerOverrides[_endpoint.Name].MaxConnections ?? 0,
            _ => _limits.LimitFor(peer?.Address ?? IPAddress.None),
        };
        _metrics?.RecordRefused(_endpoint.Name, limit);
        _refusalLog.Log("Refused connection from {Remote} on listener {Listener}: {Limit} ({Value}) reached", peer, _endpoint.Name, limit, value);
        try
        {
            client.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        client.Dispose();
    }

    private async Task RunConnectionAsync(KafkaConnection connection, IPAddress address)
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
            _limits.Release(_endpoint.Name, address);
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
