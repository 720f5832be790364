namespace IngestHub.Client;

/// <summary>Settings shared by producer, consumer and admin client.</summary>
public class ClientOptions
{
    /// <summary><c>bootstrap.servers</c>: comma-separated <c>host:port</c> list used for the first Metadata request.</summary>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary><c>client.id</c>: sent in every request header.</summary>
    public string ClientId { get; set; } = "ingesthub";

    /// <summary><c>request.timeout.ms</c>: how long to wait for a response before the connection is closed.</summary>
    public int RequestTimeoutMs { get; set; } = 30_000;

    /// <summary><c>socket.connection.setup.timeout.ms</c>.</summary>
    public int ConnectTimeoutMs { get; set; } = 10_000;

    /// <summary><c>reconnect.backoff.ms</c>: first wait before reconnecting to a broker; doubles per failure.</summary>
    public int ReconnectBackoffMs { get; set; } = 50;

    /// <summary><c>reconnect.backoff.max.ms</c>.</summary>
    public int ReconnectBackoffMaxMs { get; set; } = 1000;

    /// <summary><c>retry.backoff.ms</c>: wait before retrying a failed request.</summary>
    public int RetryBackoffMs { get; set; } = 100;

    /// <summary><c>metadata.max.age.ms</c>: cached metadata older than this is refreshed.</summary>
    public int MetadataMaxAgeMs { get; set; } = 300_000;

    /// <summary><c>security.protocol</c>: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.</summary>
    public string SecurityProtocol { get; set; } = "PLAINTEXT";

    /// <summary><c>sasl.mechanism</c>: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.</summary>
    public string SaslMechanism { get; set; } = "PLAIN";

    /// <summary><c>sasl.username</c>.</summary>
    public string? SaslUsername { get; set; }

    /// <summary><c>sasl.password</c>.</summary>
    public string? SaslPassword { get; set; }

    /// <summary><c>ssl.ca.location</c>: PEM CA certificates the broker's certificate must chain to; the system
    /// trust store when unset.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary><c>ssl.certificate.location</c>: PEM client certificate for brokers that ask for one.</summary>
    public string? SslCertificateLocation { get; set; }

    /// <summary><c>ssl.key.location</c>: PEM key of the client certificate.</summary>
    public string? SslKeyLocation { get; set; }

    /// <summary><c>ssl.endpoint.identification.algorithm</c>: "https" checks the broker's host name against its
    /// certificate; "none" does not.</summary>
    public string SslEndpointIdentificationAlgorithm { get; set; } = "https";

    /// <summary>Copies how to connect (bootstrap.servers, security.protocol and the sasl.* and ssl.* settings)
    /// onto <paramref name="target"/>, so a client made for another purpose reaches the same cluster the same way.</summary>
    public T CopyConnectionTo<T>(T target) where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(target);
        target.BootstrapServers = BootstrapServers;
        target.SecurityProtocol = SecurityProtocol;
        target.SaslMechanism = SaslMechanism;
        target.SaslUsername = SaslUsername;
        target.SaslPassword = SaslPassword;
        target.SslCaLocation = SslCaLocation;
        target.SslCertificateLocation = SslCertificateLocation;
        target.SslKeyLocation = SslKeyLocation;
        target.SslEndpointIdentificationAlgorithm = SslEndpointIdentificationAlgorithm;
        return target;
    }

    internal bool UsesTls => SecurityProtocol.ToUpperInvariant() is "SSL" or "SASL_SSL";

    internal bool UsesSasl => SecurityProtocol.ToUpperInvariant() is "SASL_PLAINTEXT" or "SASL_SSL";

    internal IReadOnlyList<(string Host, int Port)> ParseBootstrapServers()
    {
        var result = new List<(string, int)>();
        foreach (string entry in BootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string value = entry.Contains("://", StringComparison.Ordinal) ? entry[(entry.IndexOf("://", StringComparison.Ordinal) + 3)..] : entry;
            int colon = value.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out int port))
                result.Add((value, 9092));
            else
                result.Add((value[..colon].Trim('[', ']'), port));
        }
        if (result.Count == 0)
            throw new ArgumentException("bootstrap.servers is empty", nameof(BootstrapServers));
        return result;
    }
}
