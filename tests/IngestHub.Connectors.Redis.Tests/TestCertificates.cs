using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>A throw-away CA and a server certificate for 127.0.0.1 signed by it, written as PEM files.</summary>
public sealed record TestCertificates(string CaFile, string ServerCertFile, string ServerKeyFile)
{
    public static TestCertificates Write(string directory)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=IngestHub Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), [1, 2, 3, 4]);

        var certificates = new TestCertificates(Path.Combine(directory, "ca.pem"), Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
        File.WriteAllText(certificates.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(certificates.ServerCertFile, server.ExportCertificatePem());
        File.WriteAllText(certificates.ServerKeyFile, serverKey.ExportPkcs8PrivateKeyPem());
        return certificates;
    }
}
