using System.Globalization;

namespace IngestHub.Broker.Security;

/// <summary>
/// One entry of <c>listeners</c> or <c>advertised.listeners</c>: <c>NAME://host:port</c>. The name maps to a
/// security protocol through <c>listener.security.protocol.map</c>; without a map entry the name must itself be a
/// protocol name (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), as in Kafka.
/// </summary>
public sealed record ListenerEndpoint(string Name, SecurityProtocol Protocol, string Host, int Port)
{
    public bool UsesTls => Protocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl;
    public bool UsesSasl => Protocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;

    public override string ToString() => $"{Name}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses a comma-separated list; throws <see cref="FormatException"/> with the offending entry.</summary>
    public static List<ListenerEndpoint> ParseList(string value, string? protocolMap, string setting)
    {
        var map = ParseProtocolMap(protocolMap);
        var result = new List<ListenerEndpoint>();
        foreach (string entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int scheme = entry.IndexOf("://", StringComparison.Ordinal);
            if (scheme <= 0)
                throw new FormatException($"{setting}: '{entry}' is not NAME://host:port");
            string name = entry[..scheme].ToUpperInvariant();
            string hostPort = entry[(scheme + 3)..];
            int colon = hostPort.LastIndexOf(':');
            if (colon < 0 || !int.TryParse(hostPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
                throw new FormatException($"{setting}: '{entry}' has no valid port");
            string host = hostPort[..colon].Trim('[', ']');
            if (host.Length == 0)
                host = "0.0.0.0";
            if (!map.TryGetValue(name, out var protocol) && !TryParseProtocol(name, out protocol))
                throw new FormatException($"{setting}: listener '{name}' has no security protocol (add it to listener.security.protocol.map)");
            if (result.Exists(l => l.Name == name))
                throw new FormatException($"{setting}: listener name '{name}' appears twice");
            result.Add(new ListenerEndpoint(name, protocol, host, port));
        }
        if (result.Count == 0)
            throw new FormatException($"{setting} is empty");
        return result;
    }

    public static bool TryParseProtocol(string value, out SecurityProtocol protocol)
    {
        switch (value.Trim().ToUpperInvariant())
        {
            case "PLAINTEXT": protocol = SecurityProtocol.Plaintext; return true;
            case "SSL": protocol = SecurityProtocol.Ssl; return true;
            case "SASL_PLAINTEXT": protocol = SecurityProtocol.SaslPlaintext; return true;
            case "SASL_SSL": protocol = SecurityProtocol.SaslSsl; return true;
            default: protocol = default; return false;
        }
    }

    private static Dictionary<string, SecurityProtocol> ParseProtocolMap(string? value)
    {
        var map = new Dictionary<string, SecurityProtocol>(StringComparer.Ordinal);
        foreach (string entry in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !TryParseProtocol(entry[(colon + 1)..], out var protocol))
                throw new FormatException($"listener.security.protocol.map: '{entry}' is not NAME:PROTOCOL");
            map[entry[..colon].Trim().ToUpperInvariant()] = protocol;
        }
        return map;
    }
}
