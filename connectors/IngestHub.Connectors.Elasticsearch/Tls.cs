using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IngestHub.Pipelines.Configuration;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Server certificate checks: a custom CA file, a trusted SHA-256 fingerprint (of the CA or the node's
/// certificate, as Elasticsearch prints at first start), or none at all when <c>ssl.verify</c> is false.</summary>
internal static class Tls
{
    public static byte[]? ParseFingerprint(string text)
    {
        string hex = text.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        if (hex.Length != 64)
            return null;
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Null when the platform's default validation applies.</summary>
    public static RemoteCertificateValidationCallback? ValidationCallback(ElasticsearchSinkOptions options)
    {
        if (!options.SslVerify)
        {
            // ssl.verify: false is the operator's explicit choice (local clusters with throwaway certificates).
#pragma warning disable CA5359
            return static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        byte[]? fingerprint = options.CaTrustedFingerprint is null ? null : ParseFingerprint(options.CaTrustedFingerprint);
        X509Certificate2Collection? authorities = options.CertificateAuthorityPath is null ? null : LoadCertificates(options.CertificateAuthorityPath);
        if (fingerprint is null && authorities is null)
            return null;
        return (_, certificate, chain, errors) =>
        {
            if (certificate is null)
                return false;
            if (fingerprint is not null && MatchesFingerprint(certificate, chain, fingerprint))
                return true;
            if (authorities is not null)
                return ChainsTo(certificate, authorities, errors);
            return errors == SslPolicyErrors.None;
        };
    }

    private static bool MatchesFingerprint(X509Certificate certificate, X509Chain? chain, byte[] fingerprint)
    {
        if (SHA256.HashData(certificate.GetRawCertData()).AsSpan().SequenceEqual(fingerprint))
            return true;
        if (chain is null)
            return false;
        foreach (var element in chain.ChainElements)
            if (SHA256.HashData(element.Certificate.RawData).AsSpan().SequenceEqual(fingerprint))
                return true;
        return false;
    }

    private static bool ChainsTo(X509Certificate certificate, X509Certificate2Collection authorities, SslPolicyErrors errors)
    {
        // The host name must still match; only the trust anchor is ours.
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    private static X509Certificate2Collection LoadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            string text = File.ReadAllText(path);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
                collection.ImportFromPem(text);
            else
                collection.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }
        catch (CryptographicException e)
        {
            throw new ConfigException("ssl.certificate_authority", $"cannot read {path}: {e.Message}");
        }
        if (collection.Count == 0)
            throw new ConfigException("ssl.certificate_authority", $"{path} holds no certificate");
        return collection;
    }
}
