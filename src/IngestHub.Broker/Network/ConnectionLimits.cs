using System.Globalization;
using System.Net;

namespace IngestHub.Broker.Network;

/// <summary>Why an accepted connection was closed at once.</summary>
public enum ConnectionRefusal
{
    None,
    /// <summary><c>max.connections</c>: the broker-wide limit.</summary>
    MaxConnections,
    /// <summary><c>listener.name.&lt;name&gt;.max.connections</c>.</summary>
    ListenerMaxConnections,
    /// <summary><c>max.connections.per.ip</c> or its override for the address.</summary>
    MaxConnectionsPerIp,
}

/// <summary>
/// Counts open client connections over all listeners, per listener and per client address, and decides whether
/// one more may stay open (Kafka's <c>max.connections</c>, <c>listener.name.&lt;name&gt;.max.connections</c>,
/// <c>max.connections.per.ip</c> and <c>max.connections.per.ip.overrides</c>). Shared by every listener of a broker.
/// </summary>
public sealed class ConnectionLimits
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, int> _perIp = [];
    private readonly Dictionary<string, int> _perListener = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<IPAddress, int> _ipOverrides;
    private readonly BrokerOptions _options;
    private int _total;

    public ConnectionLimits(BrokerOptions options)
    {
        _options = options;
        _ipOverrides = ParseOverrides(options.MaxConnectionsPerIpOverrides);
        if (options.MaxConnections < 1 || options.MaxConnectionsPerIp < 0)
            throw new FormatException("max.connections must be at least 1 and max.connections.per.ip at least 0");
    }

    /// <summary>Open connections over all listeners.</summary>
    public int Total
    {
        get { lock (_gate) return _total; }
    }

    /// <summary>Open connections from <paramref name="address"/>.</summary>
    public int CountFor(IPAddress address)
    {
        lock (_gate)
            return _perIp.GetValueOrDefault(Normalize(address));
    }

    /// <summary>The per-address limit that applies to <paramref name="address"/>.</summary>
    public int LimitFor(IPAddress address) => _ipOverrides.TryGetValue(Normalize(address), out int limit) ? limit : _options.MaxConnectionsPerIp;

    /// <summary>Counts the connection in when every limit allows it; otherwise counts nothing and says which limit refused it.</summary>
    public ConnectionRefusal TryAcquire(string listener, IPAddress address)
    {
        address = Normalize(address);
        int listenerLimit = _options.ListenerOverrides.TryGetValue(listener, out var overrides) && overrides.MaxConnections is { } l ? l : int.MaxValue;
        int ipLimit = LimitFor(address);
        lock (_gate)
        {
            if (_total >= _options.MaxConnections)
                return ConnectionRefusal.MaxConnections;
            int onListener = _perListener.GetValueOrDefault(listener);
            if (onListener >= listenerLimit)
                return ConnectionRefusal.ListenerMaxConnections;
            int fromIp = _perIp.GetValueOrDefault(address);
            if (fromIp >= ipLimit)
                return ConnectionRefusal.MaxConnectionsPerIp;
            _total++;
            _perListener[listener] = onListener + 1;
            _perIp[address] = fromIp + 1;
            return ConnectionRefusal.None;
        }
    }

    /// <summary>A connection counted in by <see cref="TryAcquire"/> has closed.</summary>
    public void Release(string listener, IPAddress address)
    {
        address = Normalize(address);
        lock (_gate)
        {
            _total--;
            if (_perListener.TryGetValue(listener, out int onListener))
            {
                if (onListener <= 1)
                    _perListener.Remove(listener);
                else
                    _perListener[listener] = onListener - 1;
            }
            if (_perIp.TryGetValue(address, out int fromIp))
            {
                if (fromIp <= 1)
                    _perIp.Remove(address);
                else
                    _perIp[address] = fromIp - 1;
            }
        }
    }

    /// <summary>The Kafka name of the limit, for logs and metrics.</summary>
    public static string Name(ConnectionRefusal refusal) => refusal switch
    {
        ConnectionRefusal.MaxConnections => "max.connections",
        ConnectionRefusal.ListenerMaxConnections => "listener max.connections",
        ConnectionRefusal.MaxConnectionsPerIp => "max.connections.per.ip",
        _ => "none",
    };

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Parses <c>host-or-ip:count</c> pairs; a host name counts for every address it resolves to.</summary>
    public static Dictionary<IPAddress, int> ParseOverrides(string? value)
    {
        var result = new Dictionary<IPAddress, int>();
        if (string.IsNullOrWhiteSpace(value))
            return result;
        foreach (string entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int limit))
                throw new FormatException($"max.connections.per.ip.overrides: '{entry}' is not host:count");
            string host = entry[..colon].Trim('[', ']');
            IPAddress[] addresses;
            if (IPAddress.TryParse(host, out var parsed))
            {
                addresses = [parsed];
            }
            else
            {
                try
                {
                    addresses = Dns.GetHostAddresses(host);
                }
                catch (System.Net.Sockets.SocketException ex)
                {
                    throw new FormatException($"max.connections.per.ip.overrides: host '{host}' does not resolve ({ex.Message})", ex);
                }
            }
            foreach (var address in addresses)
                result[Normalize(address)] = limit;
        }
        return result;
    }
}
