using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace IngestHub.Connectors.Redis;

/// <summary>Server certificate validation for <c>tls.ca.file</c>: the system store decides, and a certificate it
/// does not know is accepted when it chains to one of the CA certificates in the PEM file (a bundle may hold
/// several).</summary>
internal static class RedisTrust
{
    public static RemoteCertificateValidationCallback FromCaFile(string caFile)
    {
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPemFile(caFile);
        return (_, certificate, _, errors) => IsTrusted(certificate, errors, trusted);
    }

    private static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        // A name mismatch or a missing certificate is never excused by the CA file.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
