namespace IngestHub.Broker.Security;

/// <summary>TLS settings of the SSL and SASL_SSL listeners (Kafka's <c>ssl.*</c> names in the docs).</summary>
public sealed class TlsOptions
{
    /// <summary>PEM certificate chain (leaf first) the broker presents (ssl.keystore.location with type PEM).</summary>
    public string? CertificateFile { get; set; }
    /// <summary>PEM private key of the certificate (PKCS#8, PKCS#1 or SEC1; may sit in the certificate file).</summary>
    public string? KeyFile { get; set; }
    /// <summary>Password of an encrypted PKCS#8 key (ssl.key.password).</summary>
    public string? KeyPassword { get; set; }
    /// <summary>ssl.client.auth: none, requested or required.</summary>
    public string ClientAuth { get; set; } = "none";
    /// <summary>PEM CA certificates that client certificates must chain to (ssl.truststore.location).</summary>
    public string? TrustedCaFile { get; set; }
    /// <summary>How long a TLS handshake may take before the connection is dropped.</summary>
    public int HandshakeTimeoutMs { get; set; } = 10_000;
}
