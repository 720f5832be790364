using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Runtime;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>
/// The cluster as the official client sees it: the node pool (one node, a static list, or sniffed from
/// <c>_nodes/http</c>), authentication, server certificate checks, per-attempt timeout and dead-node cool-down
/// all come from <see cref="ElasticsearchClient"/> and its transport, which also fails a request over to the
/// other live nodes at once. On top of that this class bounds the requests in flight and, when a request still
/// failed everywhere (no answer, 429 or 5xx), waits with backoff and tries again <c>request.retries</c> times
/// before reporting the sink unavailable.
/// </summary>
internal sealed class ElasticsearchConnection : IDisposable
{
    // Plain media types, not the 9.x client's "compatible-with=9" vendor types: 8.x clusters refuse those.
    internal static readonly RequestConfiguration Json = new() { Accept = "application/json", ContentType = "application/json" };
    // Bulk bodies stream from the sink's pooled buffers (chunked) instead of being copied into a buffer first.
    internal static readonly RequestConfiguration Ndjson = new() { Accept = "application/json", ContentType = "application/x-ndjson", TransferEncodingChunked = true };

    private readonly SemaphoreSlim _inFlight;
    private readonly int _retries;
    private readonly int _backoffInitialMs;
    private readonly int _backoffMaxMs;
    private readonly ILogger _logger;
    private long _requestFailures;

    public ElasticsearchConnection(ElasticsearchSinkOptions options, ILogger logger)
    {
        Client = new ElasticsearchClient(ClientSettings(options));
        _inFlight = new SemaphoreSlim(options.MaxInFlightRequests, options.MaxInFlightRequests);
        _retries = options.RequestRetries;
        _backoffInitialMs = options.RetryBackoffMs;
        _backoffMaxMs = options.RetryBackoffMaxMs;
        _logger = logger;
    }

    public ElasticsearchClient Client { get; }

    public NodePool Nodes => Client.ElasticsearchClientSettings.NodePool;

    /// <summary>Attempts that ended without a usable answer (each is retried or reported).</summary>
    public long RequestFailures => Interlocked.Read(ref _requestFailures);

    /// <summary>Runs <paramref name="send"/> until it gets an answer that is neither missing nor 429/5xx, with
    /// backoff between attempts; throws <see cref="SinkUnavailableException"/> when the retries are used up.
    /// A discarded response is disposed.</summary>
    public async Task<TResponse> SendAsync<TResponse>(string what, Func<CancellationToken, Task<TResponse>> send, CancellationToken cancellationToken)
        where TResponse : TransportResponse
    {
        for (int attempt = 0; ; attempt++)
        {
            string failure;
            await _inFlight.WaitAsync(cancellationToken);
            try
            {
                var response = await send(cancellationToken);
                cancellationToken.ThrowIfCancellationRequested(); // the transport answers a cancelled call with a response
                string? problem = Failure(response.ApiCallDetails);
                if (problem is null)
                    return response;
                failure = problem;
                (response as IDisposable)?.Dispose();
            }
            catch (TransportException e)
            {
                cancellationToken.ThrowIfCancellationRequested(); // a cancelled call may surface as a transport error
                failure = e.Message;
            }
            finally
            {
                _inFlight.Release();
            }

            Interlocked.Increment(ref _requestFailures);
            if (attempt >= _retries)
                throw new SinkUnavailableException($"Elasticsearch {what} failed {attempt + 1} times; last: {failure}");
            _logger.LogWarning("Elasticsearch {What} failed ({Failure}); retry {Attempt} of {Retries}", what, failure, attempt + 1, _retries);
            await Task.Delay(Backoff.Delay(attempt, _backoffInitialMs, _backoffMaxMs), cancellationToken);
        }
    }

    public void Dispose()
    {
        _inFlight.Dispose();
        (Client.ElasticsearchClientSettings as IDisposable)?.Dispose();
    }

    /// <summary>The first 300 bytes of a body, for error messages.</summary>
    internal static string Excerpt(ReadOnlySpan<byte> body) => Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]);

    private static string? Failure(ApiCallDetails details)
    {
        string node = details.Uri?.Authority ?? "no node";
        if (details.HttpStatusCode is not { } status)
            return $"{node}: {details.OriginalException?.Message ?? "no answer"}";
        if (status == 429 || status >= 500)
            return $"{node} answered {status}: {Excerpt(details.ResponseBodyInBytes)}";
        return null;
    }

    private static ElasticsearchClientSettings ClientSettings(ElasticsearchSinkOptions options)
    {
#pragma warning disable CA2000 // the settings own the pool, the client the settings; Dispose disposes the settings
        NodePool pool = options.Sniffing ? new SniffingNodePool(options.Hosts, randomize: false)
            : options.Hosts.Count == 1 ? new SingleNodePool(options.Hosts[0])
            : new StaticNodePool(options.Hosts, randomize: false);
        var settings = new ElasticsearchClientSettings(pool)
            .RequestTimeout(TimeSpan.FromMilliseconds(options.RequestTimeoutMs))
            .DeadTimeout(TimeSpan.FromMilliseconds(options.NodeCooldownMs))
            .MaxDeadTimeout(TimeSpan.FromMilliseconds(options.NodeCooldownMaxMs))
            .EnableHttpCompression(options.Gzip)
            .SniffOnStartup(options.Sniffing)
            .SniffOnConnectionFault(options.Sniffing)
            .SniffLifeSpan(options.Sniffing ? TimeSpan.FromMilliseconds(options.SniffingIntervalMs) : null);
#pragma warning restore CA2000

        if (options.ApiKey is { } apiKey)
        {
            // "id:key" is encoded by the client; an already encoded key is sent as given.
            int colon = apiKey.IndexOf(':', StringComparison.Ordinal);
            settings.Authentication(colon >= 0 ? new Base64ApiKey(apiKey[..colon], apiKey[(colon + 1)..]) : new ApiKey(apiKey));
        }
        else if (options.Username is not null)
        {
            settings.Authentication(new BasicAuthentication(options.Username, options.Password ?? ""));
        }

        if (!options.SslVerify)
            settings.ServerCertificateValidationCallback(CertificateValidations.AllowAll); // the operator's explicit choice
        else if (options.CaTrustedFingerprint is { } fingerprint)
            settings.CertificateFingerprint(fingerprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal));
        else if (options.CertificateAuthorityPath is { } path)
            settings.ServerCertificateValidationCallback(IssuedBy(LoadCertificates(path)));
        return settings;
    }

    /// <summary>Accepts a certificate that chains to one of <paramref name="authorities"/> and names the host.
    /// (The client's own <c>CertificateValidations.AuthorityIsRoot</c> also accepts any self-signed certificate,
    /// so the chain is built here against the given roots only.)</summary>
    private static Func<object, X509Certificate, X509Chain, SslPolicyErrors, bool> IssuedBy(X509Certificate2Collection authorities) =>
        (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
                return false;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(leaf);
        };

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
