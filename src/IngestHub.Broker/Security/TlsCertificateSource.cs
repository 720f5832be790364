using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Security;

/// <summary>
/// The broker's TLS identity: certificate and key from PEM files, the CAs client certificates must chain to, and
/// the server options each TLS handshake uses (TLS 1.2 and 1.3 only). The files are checked for changes at most
/// once a second; a changed certificate is used by the next handshake, a file that fails to load leaves the
/// previous certificate in use with a warning.
/// </summary>
public sealed class TlsCertificateSource : IDisposable
{
    private readonly TlsOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ClientAuthentication _clientAuth;
    private Loaded _current;
    private long _nextCheckMs;

    public TlsCertificateSource(TlsOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        if (string.IsNullOrWhiteSpace(options.CertificateFile))
            throw new InvalidOperationException("an SSL or SASL_SSL listener needs broker:Ssl:CertificateFile (and KeyFile)");
        _clientAuth = options.ClientAuth.Trim().ToLowerInvariant() switch
        {
            "none" or "" => ClientAuthentication.None,
            "requested" => ClientAuthentication.Requested,
            "required" => ClientAuthentication.Required,
            _ => throw new FormatException($"broker:Ssl:ClientAuth must be none, requested or required, not '{options.ClientAuth}'"),
        };
        if (_clientAuth != ClientAuthentication.None && string.IsNullOrWhiteSpace(options.TrustedCaFile))
            throw new InvalidOperationException("broker:Ssl:ClientAuth needs broker:Ssl:TrustedCaFile to verify client certificates");
        _current = Load();
        _nextCheckMs = Environment.TickCount64 + 1000;
    }

    public ClientAuthentication ClientAuth => _clientAuth;

    /// <summary>The certificate handshakes use now.</summary>
    public X509Certificate2 Certificate => Current().Certificate;

    /// <summary>Options for one server-side handshake with the current certificate.</summary>
    public SslServerAuthenticationOptions ServerOptions()
    {
        var loaded = Current();
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = loaded.Context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = _clientAuth != ClientAuthentication.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateClient(loaded, certificate, errors),
        };
    }

    private bool ValidateClient(Loaded loaded, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
            return _clientAuth != ClientAuthentication.Required;
        if (_clientAuth == ClientAuthentication.None)
            return true; // not asked for; ignored
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(loaded.TrustedCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        if (chain.Build(presented))
            return true;
        var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
        _logger.LogWarning("Refused client certificate {Subject}: {Status} ({Errors})", presented.Subject, status, errors);
        return false;
    }

    private Loaded Current()
    {
        long now = Environment.TickCount64;
        if (now < Volatile.Read(ref _nextCheckMs))
            return _current;
        lock (_gate)
        {
            if (now < _nextCheckMs)
                return _current;
            _nextCheckMs = now + 1000;
            if (FilesStamp() == _current.Stamp)
                return _current;
            try
            {
                var fresh = Load();
                var old = _current;
                _current = fresh;
                _logger.LogInformation("Reloaded the TLS certificate {Subject} (expires {NotAfter:u})", fresh.Certificate.Subject, fresh.Certificate.NotAfter.ToUniversalTime());
                _ = old; // handshakes in progress may still hold it; left to the GC
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException or ArgumentException)
            {
                _logger.LogWarning(ex, "The TLS certificate files changed but cannot be loaded; keeping the current certificate");
            }
            return _current;
        }
    }

    private string FilesStamp()
    {
        var parts = new List<string>();
        foreach (string? file in new[] { _options.CertificateFile, _options.KeyFile, _options.TrustedCaFile })
        {
            if (!string.IsNullOrWhiteSpace(file))
            {
                var info = new FileInfo(file);
                parts.Add(info.Exists ? $"{info.LastWriteTimeUtc.Ticks}:{info.Length}" : "missing");
            }
        }
        return string.Join('|', parts);
    }

    private Loaded Load()
    {
        string stamp = FilesStamp();
        string certFile = _options.CertificateFile!;
        X509Certificate2 pem = string.IsNullOrEmpty(_options.KeyPassword)
            ? X509Certificate2.CreateFromPemFile(certFile, _options.KeyFile)
            : X509Certificate2.CreateFromEncryptedPemFile(certFile, _options.KeyPassword, _options.KeyFile);
        // A PKCS#12 round trip gives the key a form every TLS backend accepts.
        X509Certificate2 certificate;
        using (pem)
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certFile);
        var intermediates = new X509Certificate2Collection();
        foreach (var c in chain)
        {
            if (c.Thumbprint != certificate.Thumbprint)
                intermediates.Add(c);
        }
        var trusted = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(_options.TrustedCaFile))
            trusted.ImportFromPemFile(_options.TrustedCaFile);
        if (certificate.NotAfter < DateTime.Now)
            _logger.LogWarning("The TLS certificate {Subject} expired at {NotAfter:u}; clients will refuse it", certificate.Subject, certificate.NotAfter.ToUniversalTime());
        var context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        return new Loaded(certificate, context, trusted, stamp);
    }

    public void Dispose() => _current.Certificate.Dispose();

    private sealed record Loaded(X509Certificate2 Certificate, SslStreamCertificateContext Context, X509Certificate2Collection TrustedCas, string Stamp);
}
