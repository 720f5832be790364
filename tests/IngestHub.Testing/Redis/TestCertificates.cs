using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngestHub.Testing.Redis;

/// <summary>A throw-away CA, a server certificate for 127.0.0.1/localhost and a client certificate, both signed
/// by it, written as PEM files.</summary>
public sealed record TestCertificates(string CaFile, string ServerCertFile, string ServerKeyFile, string ClientCertFile, string ClientKeyFile)
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static TestCertificates Write(string directory)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=IngestHub Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        var certificates = new TestCertificates(
            Path.Combine(directory, "ca.pem"), Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"),
            Path.Combine(directory, "client.pem"), Path.Combine(directory, "client.key"));
        File.WriteAllText(certificates.CaFile, ca.ExportCertificatePem());
        Issue(ca, "CN=localhost", ServerAuth, certificates.ServerCertFile, certificates.ServerKeyFile, [1, 2, 3, 4]);
        Issue(ca, "CN=ingesthub-client", ClientAuth, certificates.ClientCertFile, certificates.ClientKeyFile, [5, 6, 7, 8]);
        return certificates;
    }

    private static void Issue(X509Certificate2 ca, string subject, string usage, string certFile, string keyFile, byte[] serial)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }
}
