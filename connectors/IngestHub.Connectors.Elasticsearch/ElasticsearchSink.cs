using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Elastic.Clients.Elasticsearch.Mapping;
using Elastic.Transport;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Runtime;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>
/// Delivers events to Elasticsearch with <c>_bulk</c>. A batch is serialized into one or more bulk bodies
/// (bounded by <c>batch.size</c> events and <c>batch.max.bytes</c>) sent with up to
/// <c>max.in.flight.requests</c> in flight; WriteAsync returns when every item is stored, already present
/// (409 on a create with our id) or rejected (4xx: mapping/parsing errors, reported with ES's type and reason).
/// Throttled items (429/5xx) are resent alone with backoff until they succeed or <c>max.retries</c> is used up.
/// </summary>
public sealed class ElasticsearchSink : ISink
{
    private const string BulkPath = "_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason";
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // ES is no HTML context; keep UTF-8 as is
        SkipValidation = true,
    };

    private readonly string _name;
    private readonly ElasticsearchSinkOptions _options;
    private readonly ILogger _logger;
    private readonly ElasticsearchConnection _connection;
    private readonly IndexNameTemplate _index;
    private readonly IndexNameTemplate? _documentIdTemplate;
    private readonly bool _defaultDocumentId;
    private readonly BulkAction _action;

    public ElasticsearchSink(string name, ElasticsearchSinkOptions options, ILogger<ElasticsearchSink> logger)
        : this(name, options, (ILogger)logger)
    {
    }

    internal ElasticsearchSink(string name, ElasticsearchSinkOptions options, ILogger logger)
    {
        options.Validate();
        _name = name;
        _options = options;
        _logger = logger;
        _connection = new ElasticsearchConnection(options, logger);
        _index = IndexNameTemplate.Parse(options.EffectiveIndex, "index", lowercaseFields: true);
        _defaultDocumentId = options.DocumentId == "default";
        if (options.DocumentId is not ("default" or "none"))
            _documentIdTemplate = IndexNameTemplate.Parse(options.DocumentId, "document_id", lowercaseFields: false);
        _action = options.EffectiveAction;
    }

    public ElasticsearchSinkStatistics Statistics { get; } = new();

    internal ElasticsearchConnection Connection => _connection;

    private bool HasOwnIds => _options.DocumentId != "none";

    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        InfoResponse info;
        try
        {
            info = await _connection.SendAsync("GET /", token => _connection.Client.InfoAsync(new InfoRequest { RequestConfiguration = ElasticsearchConnection.Json }, token), cancellationToken);
        }
        catch (UnsupportedProductException e)
        {
            throw new SinkUnavailableException($"Elasticsearch sink {_name}: {_options.Hosts[0].Authority} is not Elasticsearch ({e.Message})");
        }
        if (!info.IsValidResponse)
            throw new SinkUnavailableException($"Elasticsearch sink {_name}: GET / answered {Answer(info.ApiCallDetails)}");
        _logger.LogInformation("Elasticsearch sink {Name} connected: cluster {Cluster}, version {Version}", _name, info.ClusterName, info.Version?.Number);
        if (_options.TemplateCreate)
            await EnsureTemplateAsync(cancellationToken);
    }

    public async ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
            return SinkWriteResult.AllDelivered;
        var rejections = new List<SinkRejection>();
        var requests = new List<BulkRequest>();
        var sends = new List<Task>();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            try
            {
                Serialize(batch, rejections, requests, sends, abort);
            }
            catch
            {
                // Never return buffers that a send is still reading.
                await abort.CancelAsync();
                await Task.WhenAll(sends).ContinueWith(static _ => { }, TaskScheduler.Default);
                throw;
            }
            try
            {
                await Task.WhenAll(sends);
            }
            catch when (!cancellationToken.IsCancellationRequested)
            {
                // Report the cause, not the sends cancelled because of it.
                foreach (var send in sends)
                    if (send.Exception?.InnerException is SinkUnavailableException unavailable)
                        throw unavailable;
                throw;
            }
        }
        finally
        {
            foreach (var request in requests)
                request.Dispose();
        }
        if (rejections.Count == 0)
            return SinkWriteResult.AllDelivered;
        rejections.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        Statistics.AddRejected(rejections.Count);
        return new SinkWriteResult(rejections);
    }

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes the batch into bulk bodies, starting each body's send as soon as it is full so that
    /// serialization of the next overlaps the network.</summary>
    private void Serialize(IReadOnlyList<LogEvent> batch, List<SinkRejection> rejections, List<BulkRequest> requests, List<Task> sends, CancellationTokenSource abort)
    {
        int capacity = Math.Min(batch.Count, _options.BatchSize);
        BulkRequest? current = null;
        var writer = new Utf8JsonWriter(new ArrayBufferWriter<byte>(1), s_writerOptions);
        try
        {
            for (int i = 0; i < batch.Count; i++)
            {
                if (current is null)
                {
                    current = new BulkRequest(capacity);
                    requests.Add(current);
                    writer.Reset(current.Buffer);
                }
                int mark = current.Buffer.Length;
                if (!TryWriteItem(writer, current.Buffer, batch[i], out var rejection))
                {
                    current.Buffer.Truncate(mark);
                    lock (rejections)
                        rejections.Add(rejection with { Index = i });
                    continue;
                }
                if (current.Buffer.Length > _options.BatchMaxBytes && current.Count > 0)
                {
                    // Over the byte bound: this item opens the next body.
                    current.Buffer.Truncate(mark);
                    sends.Add(SendAsync(current, rejections, abort));
                    current = new BulkRequest(capacity);
                    requests.Add(current);
                    writer.Reset(current.Buffer);
                    TryWriteItem(writer, current.Buffer, batch[i], out _);
                }
                current.CommitItem(i);
                if (current.Count == _options.BatchSize)
                {
                    sends.Add(SendAsync(current, rejections, abort));
                    current = null;
                }
            }
            if (current is { Count: > 0 })
                sends.Add(SendAsync(current, rejections, abort));
        }
        finally
        {
            writer.Dispose();
        }
    }

    private bool TryWriteItem(Utf8JsonWriter writer, BulkBuffer buffer, LogEvent e, out SinkRejection rejection)
    {
        rejection = default;
        Span<char> index = stackalloc char[256];
        if (!_index.TryRender(e, index, out int indexLength))
        {
            rejection = new SinkRejection(0, "index_name_unresolved", $"index {_index.Pattern} cannot be built for this event (field absent or not a scalar)");
            return false;
        }
        Span<char> id = stackalloc char[512];
        int idLength = 0;
        if (_defaultDocumentId)
        {
            if (!TryFormatSourceId(e.Source, id, out idLength))
            {
                rejection = new SinkRejection(0, "document_id_unresolved", "event has no source position for the default document id");
                return false;
            }
        }
        else if (_documentIdTemplate is not null && !_documentIdTemplate.TryRender(e, id, out idLength))
        {
            rejection = new SinkRejection(0, "document_id_unresolved", $"document_id {_documentIdTemplate.Pattern} cannot be built for this event");
            return false;
        }

        writer.Reset();
        writer.WriteStartObject();
        writer.WriteStartObject(_action == BulkAction.Create ? "create"u8 : "index"u8);
        writer.WriteString("_index"u8, index[..indexLength]);
        if (HasOwnIds)
            writer.WriteString("_id"u8, id[..idLength]);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        buffer.WriteByte((byte)'\n');

        writer.Reset();
        e.WriteTo(writer);
        writer.Flush();
        buffer.WriteByte((byte)'\n');
        return true;
    }

    private static bool TryFormatSourceId(SourcePosition source, Span<char> destination, out int written)
    {
        written = 0;
        if (string.IsNullOrEmpty(source.Topic) || !source.Topic.AsSpan().TryCopyTo(destination))
            return false;
        int n = source.Topic.Length;
        destination[n++] = '-';
        if (!source.Partition.TryFormat(destination[n..], out int p, default, CultureInfo.InvariantCulture))
            return false;
        n += p;
        destination[n++] = '-';
        if (!source.Offset.TryFormat(destination[n..], out int o, default, CultureInfo.InvariantCulture))
            return false;
        written = n + o;
        return true;
    }

    /// <summary>Sends one bulk body, then resends only its throttled items until none is left.</summary>
    private async Task SendAsync(BulkRequest request, List<SinkRejection> rejections, CancellationTokenSource abort)
    {
        var cancellationToken = abort.Token;
        int[]? pending = null, retry = null;
        var outcomes = ArrayPool<BulkItemOutcome>.Shared.Rent(request.Count);
        try
        {
            int pendingCount = request.Count;
            for (int attempt = 0; ; attempt++)
            {
                int sent = pendingCount;
                var body = new BulkBody(request, pending, sent);
                using var response = await _connection.SendAsync("POST /_bulk", token => _connection.Client.Transport.RequestAsync<StreamResponse>(
                    new EndpointPath(Elastic.Transport.HttpMethod.POST, BulkPath), PostData.StreamHandler(body, BulkBody.Write, BulkBody.WriteAsync), null, ElasticsearchConnection.Ndjson, token), cancellationToken);
                Statistics.AddBulkRequest();
                if (response.ApiCallDetails.HttpStatusCode != 200)
                    throw new SinkUnavailableException($"Elasticsearch sink {_name}: bulk request answered {Answer(response.ApiCallDetails)}");
                using var answer = await ResponseBody.ReadAsync(response.Body, cancellationToken);
                var results = outcomes.AsSpan(0, sent);
                if (!BulkResponse.TryParse(answer.Span, results))
                    throw new SinkUnavailableException($"Elasticsearch sink {_name}: bulk response is not understood ({response.ApiCallDetails.ResponseContentType}): {ElasticsearchConnection.Excerpt(answer.Span)}");

                retry ??= ArrayPool<int>.Shared.Rent(request.Count);
                int retryCount = 0, stored = 0, already = 0;
                for (int k = 0; k < sent; k++)
                {
                    int item = pending is null ? k : pending[k];
                    var outcome = results[k];
                    if (outcome.Stored)
                        stored++;
                    else if (outcome.Status == (int)HttpStatusCode.Conflict && _action == BulkAction.Create && HasOwnIds)
                        already++;
                    else if (outcome.Retryable)
                        retry[retryCount++] = item;
                    else
                        lock (rejections)
                            rejections.Add(new SinkRejection(request.EventIndex(item), outcome.ErrorType ?? $"http_{outcome.Status}", outcome.Reason ?? ""));
                }
                Statistics.AddStored(stored);
                Statistics.AddAlreadyIndexed(already);
                if (retryCount == 0)
                    return;
                if (_options.MaxRetries >= 0 && attempt >= _options.MaxRetries)
                    throw new SinkUnavailableException($"Elasticsearch sink {_name}: {retryCount} items still throttled after {_options.MaxRetries} retries");
                Statistics.AddRetriedItems(retryCount);
                _logger.LogDebug("Elasticsearch sink {Name}: resending {Count} throttled items", _name, retryCount);
                await Task.Delay(Backoff.Delay(attempt, _options.RetryBackoffMs, _options.RetryBackoffMaxMs), cancellationToken);
                (pending, retry) = (retry, pending);
                pendingCount = retryCount;
            }
        }
        catch (Exception) when (!abort.IsCancellationRequested)
        {
            await abort.CancelAsync(); // the batch fails as a whole: stop its other requests
            throw;
        }
        finally
        {
            ArrayPool<BulkItemOutcome>.Shared.Return(outcomes);
            if (pending is not null)
                ArrayPool<int>.Shared.Return(pending);
            if (retry is not null)
                ArrayPool<int>.Shared.Return(retry);
        }
    }

    private async Task EnsureTemplateAsync(CancellationToken cancellationToken)
    {
        string name = _options.TemplateName ?? "ingesthub-" + _index.WildcardPattern.TrimEnd('*', '-').Replace('*', 'x');
        var indices = _connection.Client.Indices;
        var existing = await _connection.SendAsync("HEAD /_index_template/" + name,
            token => indices.ExistsIndexTemplateAsync(new ExistsIndexTemplateRequest(name) { RequestConfiguration = ElasticsearchConnection.Json }, token), cancellationToken);
        if (existing.Exists)
        {
            _logger.LogInformation("Elasticsearch sink {Name}: index template {Template} exists", _name, name);
            return;
        }
        if (existing.ApiCallDetails.HttpStatusCode != 404)
            throw new SinkUnavailableException($"Elasticsearch sink {_name}: HEAD /_index_template/{name} answered {Answer(existing.ApiCallDetails)}");
        string pattern = _options.TemplatePattern ?? (_options.DataStream
            ? $"{_options.DataStreamType}-{_options.DataStreamDataset}-*"
            : _index.WildcardPattern);
        var template = Template(name, pattern, _options.TemplatePriority, _options.DataStream);
        var created = await _connection.SendAsync("PUT /_index_template/" + name, token => indices.PutIndexTemplateAsync(template, token), cancellationToken);
        if (!created.IsValidResponse)
            throw new SinkUnavailableException($"Elasticsearch sink {_name}: PUT /_index_template/{name} answered {Answer(created.ApiCallDetails)}");
        _logger.LogInformation("Elasticsearch sink {Name}: created index template {Template} for {Pattern}", _name, name, pattern);
    }

    /// <summary>Maps <c>@timestamp</c> (date), <c>message</c> (text), <c>log.level</c> and <c>service.name</c> (keyword).</summary>
    internal static PutIndexTemplateRequest Template(string name, string pattern, int priority, bool dataStream) => new(name)
    {
        IndexPatterns = pattern,
        Priority = priority,
        Template = new IndexTemplateMapping
        {
            Mappings = new TypeMapping
            {
                Properties = new Properties
                {
                    { "@timestamp", new DateProperty() },
                    { "message", new TextProperty() },
                    { "log", new ObjectProperty { Properties = new Properties { { "level", new KeywordProperty() } } } },
                    { "service", new ObjectProperty { Properties = new Properties { { "name", new KeywordProperty() } } } },
                },
            },
        },
        Meta = new Dictionary<string, object> { ["managed_by"] = "ingesthub" },
        DataStream = dataStream ? new DataStreamVisibility() : null,
        RequestConfiguration = ElasticsearchConnection.Json,
    };

    /// <summary>"503 from host:port: {body excerpt}" or the reason there was no answer.</summary>
    private static string Answer(ApiCallDetails details) =>
        details.HttpStatusCode is { } status
            ? $"{status} from {details.Uri?.Authority}: {ElasticsearchConnection.Excerpt(details.ResponseBodyInBytes)}"
            : $"nothing ({details.OriginalException?.Message})";
}
