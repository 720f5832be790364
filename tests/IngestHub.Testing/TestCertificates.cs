using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngestHub.Testing;

/// <summary>
/// A throw-away PKI made in-process for TLS tests: a CA, broker certificates for 127.0.0.1/localhost (valid and
/// expired) and client certificates (valid and expired), written as PEM files into a temp directory that is
/// deleted on dispose. Nothing is checked in.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;

    public TestCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "ingesthub-tls-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=IngestHub Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        _ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddYears(1));
        CaFile = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(CaFile, _ca.ExportCertificatePem());
        (ServerCertFile, ServerKeyFile) = Issue("server", "CN=localhost,O=IngestHub", server: true, expired: false);
        (ExpiredServerCertFile, ExpiredServerKeyFile) = Issue("server-expired", "CN=localhost,O=IngestHub", server: true, expired: true);
        (ClientCertFile, ClientKeyFile) = Issue("client", "CN=writer,O=IngestHub", server: false, expired: false);
        (ExpiredClientCertFile, ExpiredClientKeyFile) = Issue("client-expired", "CN=stale,O=IngestHub", server: false, expired: true);
    }

    public string Directory { get; }
    public string CaFile { get; }
    public string ServerCertFile { get; }
    public string ServerKeyFile { get; }
    public string ExpiredServerCertFile { get; }
    public string ExpiredServerKeyFile { get; }
    public string ClientCertFile { get; }
    public string ClientKeyFile { get; }
    public string ExpiredClientCertFile { get; }
    public string ExpiredClientKeyFile { get; }

    /// <summary>Issues one more certificate signed by the CA; returns its PEM certificate and key paths.</summary>
    public (string Cert, string Key) Issue(string name, string subject, bool server, bool expired)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        var notBefore = expired ? DateTimeOffset.UtcNow.AddDays(-30) : DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = expired ? DateTimeOffset.UtcNow.AddDays(-1) : DateTimeOffset.UtcNow.AddDays(30);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(_ca, notBefore, notAfter, serial);
        string certFile = Path.Combine(Directory, name + ".pem");
        string keyFile = Path.Combine(Directory, name + ".key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    public void Dispose()
    {
        _ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
