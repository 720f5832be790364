namespace IngestHub.Server.Kafka;

/// <summary>
/// How a section's Kafka clients connect: <c>security.protocol</c> and the <c>sasl.*</c> and <c>ssl.*</c> settings
/// under Kafka's client property names, for a cluster that demands TLS or SASL. Shared by the <c>pipelines</c> and
/// <c>topologies</c> sections.
/// </summary>
public abstract class KafkaClientSettings
{
    /// <summary>Kafka cluster the section's clients use; default the embedded broker. Point it at an Apache Kafka
    /// cluster to run the same work there.</summary>
    public string? BootstrapServers { get; set; }
    /// <summary>security.protocol: PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL.</summary>
    public string SecurityProtocol { get; set; } = "PLAINTEXT";
    /// <summary>sasl.mechanism: PLAIN (default), SCRAM-SHA-256 or SCRAM-SHA-512.</summary>
    public string? SaslMechanism { get; set; }
    /// <summary>sasl.username.</summary>
    public string? SaslUsername { get; set; }
    /// <summary>sasl.password (a <c>${file:…}</c> or environment reference keeps it out of the file).</summary>
    public string? SaslPassword { get; set; }
    /// <summary>ssl.ca.location: PEM CA certificates the brokers' certificates must chain to (default: the system trust store).</summary>
    public string? SslCaLocation { get; set; }
    /// <summary>ssl.certificate.location: PEM client certificate, for brokers that ask for one.</summary>
    public string? SslCertificateLocation { get; set; }
    /// <summary>ssl.key.location: PEM key of the client certificate.</summary>
    public string? SslKeyLocation { get; set; }
    /// <summary>ssl.endpoint.identification.algorithm: https (default, the broker's name must match its certificate) or none.</summary>
    public string? SslEndpointIdentificationAlgorithm { get; set; }

    /// <summary>The configuration section these settings come from, for error messages ("pipelines").</summary>
    protected abstract string Section { get; }

    /// <summary>The section's client settings; throws <see cref="InvalidOperationException"/> naming the setting when
    /// the combination cannot work (SASL settings without a SASL protocol, a SASL protocol without a user, a
    /// certificate without its key, a file that does not exist).</summary>
    public IngestHub.Client.ClientOptions ClientOptions(string bootstrap, string clientId)
    {
        string protocol = (SecurityProtocol ?? "PLAINTEXT").Trim().ToUpperInvariant();
        if (protocol is not ("PLAINTEXT" or "SSL" or "SASL_PLAINTEXT" or "SASL_SSL"))
            throw new InvalidOperationException($"{Section}:SecurityProtocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not '{SecurityProtocol}'");
        bool sasl = protocol is "SASL_PLAINTEXT" or "SASL_SSL";
        bool tls = protocol is "SSL" or "SASL_SSL";
        string mechanism = (SaslMechanism ?? "PLAIN").Trim().ToUpperInvariant();
        if (mechanism is not ("PLAIN" or "SCRAM-SHA-256" or "SCRAM-SHA-512"))
            throw new InvalidOperationException($"{Section}:SaslMechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not '{SaslMechanism}'");
        if (sasl && (string.IsNullOrEmpty(SaslUsername) || SaslPassword is null))
            throw new InvalidOperationException($"{Section}:SecurityProtocol {protocol} needs {Section}:SaslUsername and {Section}:SaslPassword");
        if (!sasl && (SaslMechanism ?? SaslUsername ?? SaslPassword) is not null)
            throw new InvalidOperationException($"{Section}:Sasl* settings are set but {Section}:SecurityProtocol is {protocol}: use SASL_PLAINTEXT or SASL_SSL");
        if (!tls && (SslCaLocation ?? SslCertificateLocation ?? SslKeyLocation ?? SslEndpointIdentificationAlgorithm) is not null)
            throw new InvalidOperationException($"{Section}:Ssl* settings are set but {Section}:SecurityProtocol is {protocol}: use SSL or SASL_SSL");
        if ((SslCertificateLocation is null) != (SslKeyLocation is null))
            throw new InvalidOperationException($"{Section}:SslCertificateLocation and {Section}:SslKeyLocation go together: give both or neither");
        foreach (var (name, path) in new[] { ("SslCaLocation", SslCaLocation), ("SslCertificateLocation", SslCertificateLocation), ("SslKeyLocation", SslKeyLocation) })
        {
            if (path is not null && !File.Exists(path))
                throw new InvalidOperationException($"{Section}:{name} file '{path}' does not exist");
        }
        var options = new IngestHub.Client.ClientOptions
        {
            BootstrapServers = bootstrap,
            ClientId = clientId,
            SecurityProtocol = protocol,
            SaslMechanism = mechanism,
            SaslUsername = SaslUsername,
            SaslPassword = SaslPassword,
            SslCaLocation = SslCaLocation,
            SslCertificateLocation = SslCertificateLocation,
            SslKeyLocation = SslKeyLocation,
        };
        if (SslEndpointIdentificationAlgorithm is { } algorithm)
            options.SslEndpointIdentificationAlgorithm = algorithm;
        return options;
    }
}
