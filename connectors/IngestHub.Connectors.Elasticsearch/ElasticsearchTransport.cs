using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using IngestHub.Pipelines.Runtime;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>
/// HTTP to the cluster: one pooled <see cref="HttpClient"/>, authentication, TLS checks, node round-robin with
/// cool-down, a per-attempt timeout, a bound on requests in flight, and retries of whole-request failures
/// (connection errors, timeouts, 5xx, 429) with backoff before reporting the sink unavailable.
/// </summary>
internal sealed class ElasticsearchTransport : IDisposable
{
    private readonly HttpClient _http;
    private readonly NodeSelector _nodes;
    private readonly SemaphoreSlim _inFlight;
    private readonly TimeSpan _timeout;
    private readonly int _retries;
    private readonly int _backoffInitialMs;
    private readonly int _backoffMaxMs;
    private readonly ILogger _logger;
    private long _requestFailures;

    public ElasticsearchTransport(ElasticsearchSinkOptions options, ILogger logger, TimeProvider? time = null)
    {
        var validation = Tls.ValidationCallback(options);
#pragma warning disable CA2000 // the client below owns the handler (disposeHandler) and disposes it with itself
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromMilliseconds(Math.Min(options.RequestTimeoutMs, 10_000)),
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            SslOptions = { RemoteCertificateValidationCallback = validation },
        };
#pragma warning restore CA2000
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        if (options.ApiKey is { } apiKey)
        {
            // "id:key" is encoded here; an already encoded key is sent as given.
            string encoded = apiKey.Contains(':', StringComparison.Ordinal) ? Convert.ToBase64String(Encoding.UTF8.GetBytes(apiKey)) : apiKey;
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", encoded);
        }
        else if (options.Username is not null)
        {
            string credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Username + ":" + options.Password));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        }
        _nodes = new NodeSelector(options.Hosts, TimeSpan.FromMilliseconds(options.NodeCooldownMs), time ?? TimeProvider.System);
        _inFlight = new SemaphoreSlim(options.MaxInFlightRequests, options.MaxInFlightRequests);
        _timeout = TimeSpan.FromMilliseconds(options.RequestTimeoutMs);
        _retries = options.RequestRetries;
        _backoffInitialMs = options.RetryBackoffMs;
        _backoffMaxMs = options.RetryBackoffMaxMs;
        _logger = logger;
    }

    internal NodeSelector Nodes => _nodes;

    public long RequestFailures => Interlocked.Read(ref _requestFailures);

    /// <summary>Sends until a node answers with anything but 5xx/429, retrying other nodes with backoff; throws
    /// <see cref="SinkUnavailableException"/> when the retries are used up. The caller reads the body.</summary>
    public async Task<ElasticsearchResponse> SendAsync(HttpMethod method, string pathAndQuery, Func<HttpContent?> content, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            string failure;
            await _inFlight.WaitAsync(cancellationToken);
            // Pick once holding a slot, so requests queued behind a failing node see it cooling down.
            int node = _nodes.Pick();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_timeout);
                using var request = new HttpRequestMessage(method, new Uri(_nodes[node], pathAndQuery)) { Content = content() };
                try
                {
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                    int status = (int)response.StatusCode;
                    ResponseBody? body = await ReadBodyAsync(response.Content, timeout.Token);
                    try
                    {
                        if (status < 500 && status != 429)
                        {
                            _nodes.MarkAlive(node);
                            var answer = new ElasticsearchResponse(status, body);
                            body = null; // the caller owns it now
                            return answer;
                        }
                        failure = $"{_nodes[node].Authority} answered {status}: {Excerpt(body)}";
                    }
                    finally
                    {
                        body?.Dispose();
                    }
                    if (status != 429)
                        _nodes.MarkFailed(node); // a busy node (429) is alive; a failing one gets a rest
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = $"{_nodes[node].Authority} did not answer within {_timeout.TotalMilliseconds:F0} ms";
                    _nodes.MarkFailed(node);
                }
                catch (HttpRequestException e)
                {
                    failure = $"{_nodes[node].Authority}: {e.Message}";
                    _nodes.MarkFailed(node);
                }
            }
            finally
            {
                _inFlight.Release();
            }

            Interlocked.Increment(ref _requestFailures);
            if (attempt >= _retries)
                throw new SinkUnavailableException($"Elasticsearch {method} /{pathAndQuery} failed {attempt + 1} times; last: {failure}");
            _logger.LogWarning("Elasticsearch request failed ({Failure}); retry {Attempt} of {Retries}", failure, attempt + 1, _retries);
            await Task.Delay(Backoff.Delay(attempt, _backoffInitialMs, _backoffMaxMs), cancellationToken);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _inFlight.Dispose();
    }

    private static async Task<ResponseBody> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                    return new ResponseBody(buffer, length);
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    internal static string Excerpt(ResponseBody body)
    {
        var span = body.Span;
        return Encoding.UTF8.GetString(span[..Math.Min(span.Length, 300)]);
    }
}
