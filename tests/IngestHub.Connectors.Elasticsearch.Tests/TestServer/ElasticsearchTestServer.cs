using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IngestHub.Connectors.Elasticsearch.Tests.TestServer;

/// <summary>
/// An Elasticsearch-compatible test server: a test double of the parts of the ES REST API the sink and the
/// official client use, on Kestrel at 127.0.0.1 on a free port. It is not Elasticsearch (no analysis, no mappings,
/// no queries beyond match_all), but it answers like a 9.x node: every response carries
/// <c>X-Elastic-Product: Elasticsearch</c> (the official client refuses a server without it), <c>GET /</c> has the
/// real info shape, content types are negotiated as ES does (plain or <c>compatible-with</c> vendor types, see
/// <see cref="MediaTypes"/>), <c>filter_path</c> filters responses, unknown query parameters are refused,
/// <c>_nodes/http</c> lists the cluster's nodes for sniffing, and errors have ES's shape. It is strict about the
/// <c>_bulk</c> NDJSON framing (a source line after every action but delete, trailing newline; else 400), stores
/// documents in memory per index with index (overwrite) and create (409 when present) semantics, decodes gzip
/// bodies, checks basic or API-key authentication when asked to, logs every request, and injects per-item and
/// whole-request faults.
/// </summary>
public sealed class ElasticsearchTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _indices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _templates = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<BulkRequestRecord> _bulkRequests = new();
    private readonly ConcurrentQueue<string> _requestLog = new();
    private readonly List<ItemFault> _itemFaults = [];
    private readonly List<RequestFault> _requestFaults = [];
    private readonly bool _storeDocuments;
    private readonly string _nodeId = "node-" + Guid.NewGuid().ToString("N")[..12];
    private IReadOnlyList<ClusterNode>? _clusterNodes;
    private string? _requiredAuthorization;
    private long _autoId;

    private ElasticsearchTestServer(WebApplication app, bool storeDocuments)
    {
        _app = app;
        _storeDocuments = storeDocuments;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Starts a server. <paramref name="storeDocuments"/> false acknowledges bulk items after checking
    /// the framing only (for throughput runs); <paramref name="certificate"/> serves HTTPS.</summary>
    public static async Task<ElasticsearchTestServer> StartAsync(bool storeDocuments = true, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                    listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        var server = new ElasticsearchTestServer(app, storeDocuments);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>False imitates a server that is not Elasticsearch (another product, or a proxy that strips
    /// headers): responses lack <c>X-Elastic-Product</c>.</summary>
    public bool ProductHeader { get; set; } = true;

    /// <summary>What <c>_nodes/http</c> lists; by default this server alone, as a master, data and ingest node.</summary>
    public IReadOnlyList<ClusterNode> ClusterNodes
    {
        get => _clusterNodes ?? [new ClusterNode(Url, ["master", "data", "ingest"])];
        set => _clusterNodes = value;
    }

    public IReadOnlyList<BulkRequestRecord> BulkRequests => [.. _bulkRequests];

    /// <summary>Every request as "METHOD /path".</summary>
    public IReadOnlyList<string> RequestLog => [.. _requestLog];

    public IReadOnlyCollection<string> IndexNames => [.. _indices.Keys];

    /// <summary>Documents of an index as id → source JSON (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Documents(string index) =>
        _indices.TryGetValue(index, out var docs) ? new Dictionary<string, string>(docs) : new Dictionary<string, string>();

    public long Count(string indexPattern)
    {
        long count = 0;
        foreach (var name in Resolve(indexPattern))
            count += _indices[name].Count;
        return count;
    }

    public void RequireBasicAuth(string username, string password) =>
        _requiredAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password));

    /// <summary>Requires <c>Authorization: ApiKey &lt;encoded&gt;</c>.</summary>
    public void RequireApiKey(string encoded) => _requiredAuthorization = "ApiKey " + encoded;

    /// <summary>Fails the next <paramref name="times"/> bulk items matching <paramref name="predicate"/> with
    /// <paramref name="status"/> and an ES error of <paramref name="type"/> and <paramref name="reason"/>.</summary>
    public void FailItems(Func<BulkItem, bool> predicate, int status, string type, string reason, int times = int.MaxValue)
    {
        lock (_itemFaults)
            _itemFaults.Add(new ItemFault(predicate, status, type, reason, times));
    }

    /// <summary>Applies <paramref name="kind"/> to the next <paramref name="times"/> requests whose path contains
    /// <paramref name="pathContains"/> (bulk requests by default).</summary>
    public void FailRequests(RequestFaultKind kind, int times, string pathContains = "_bulk", TimeSpan delay = default)
    {
        lock (_requestFaults)
            _requestFaults.Add(new RequestFault(kind, pathContains, delay, times));
    }

    public void ClearFaults()
    {
        lock (_itemFaults)
            _itemFaults.Clear();
        lock (_requestFaults)
            _requestFaults.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string path = request.Path.Value ?? "/";
        _requestLog.Enqueue(request.Method + " " + path);
        if (ProductHeader)
            context.Response.Headers["X-Elastic-Product"] = "Elasticsearch";

        if (_requiredAuthorization is not null && request.Headers.Authorization.ToString() != _requiredAuthorization)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"security\", charset=\"UTF-8\", ApiKey";
            await Error(context, 401, "security_exception", "missing authentication credentials for REST request [" + path + "]");
            return;
        }
        if (TakeRequestFault(path) is { } fault)
        {
            switch (fault.Kind)
            {
                case RequestFaultKind.Unavailable:
                    await Error(context, 503, "unavailable_shards_exception", "injected: the node is unavailable");
                    return;
                case RequestFaultKind.TooManyRequests:
                    await Error(context, 429, "es_rejected_execution_exception", "injected: rejected execution of coordinating operation");
                    return;
                case RequestFaultKind.Drop:
                    context.Abort();
                    return;
                case RequestFaultKind.Delay:
                    await Task.Delay(fault.Delay, context.RequestAborted);
                    break;
            }
        }

        string[] parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string method = request.Method;
        var route = Route(parts, method);
        if (route is null)
        {
            await Error(context, 400, "illegal_argument_exception", $"no handler found for uri [{path}] and method [{method}]");
            return;
        }
        foreach (var (name, _) in request.Query)
        {
            if (!s_commonParameters.Contains(name) && !route.Parameters.Contains(name))
            {
                await Error(context, 400, "illegal_argument_exception", $"request [{path}] contains unrecognized parameter: [{name}]");
                return;
            }
        }
        bool hasBody = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
        string? responseType = MediaTypes.Negotiate(request.Headers.Accept.ToString(), request.ContentType, hasBody, route.BodyType, out int status, out string type, out string reason);
        if (responseType is null)
        {
            await Error(context, status, type, reason);
            return;
        }
        context.Items[ResponseTypeKey] = responseType;

        switch (route.Name)
        {
            case "info":
                await Json(context, 200, ClusterInfo());
                return;
            case "bulk":
                await BulkAsync(context, parts.Length == 2 ? parts[0] : null);
                return;
            case "nodes":
                await Json(context, 200, NodesInfo());
                return;
            case "template":
                await TemplateAsync(context, parts[1]);
                return;
            case "count":
                if (await MissingConcreteIndex(context, parts[0]))
                    return;
                await Json(context, 200, new JsonObject { ["count"] = Count(parts[0]), ["_shards"] = Shards() });
                return;
            case "search":
                await SearchAsync(context, parts[0]);
                return;
            case "refresh":
                await Json(context, 200, new JsonObject { ["_shards"] = Shards() });
                return;
            case "get":
                await GetDocumentAsync(context, parts[0], parts[2]);
                return;
            case "create-index":
                if (!_indices.TryAdd(parts[0], new ConcurrentDictionary<string, string>(StringComparer.Ordinal)))
                {
                    await Error(context, 400, "resource_already_exists_exception", $"index [{parts[0]}/{Guid.NewGuid():N}] already exists");
                    return;
                }
                await Json(context, 200, new JsonObject { ["acknowledged"] = true, ["shards_acknowledged"] = true, ["index"] = parts[0] });
                return;
            case "delete-index":
                foreach (var name in Resolve(parts[0]))
                    _indices.TryRemove(name, out _);
                await Json(context, 200, new JsonObject { ["acknowledged"] = true });
                return;
        }
    }

    private const string ResponseTypeKey = "es.response-type";

    private static readonly HashSet<string> s_commonParameters = new(StringComparer.Ordinal) { "filter_path", "error_trace", "human", "pretty" };
    private static readonly HashSet<string> s_none = new(StringComparer.Ordinal);
    private static readonly HashSet<string> s_bulkParameters = new(StringComparer.Ordinal)
    {
        "refresh", "pipeline", "routing", "timeout", "wait_for_active_shards", "require_alias", "require_data_stream",
        "_source", "_source_includes", "_source_excludes", "list_executed_pipelines", "include_source_on_error",
    };
    private static readonly HashSet<string> s_nodesParameters = new(StringComparer.Ordinal) { "flat_settings", "timeout", "master_timeout" };
    private static readonly HashSet<string> s_templateParameters = new(StringComparer.Ordinal) { "flat_settings", "local", "master_timeout", "create", "cause" };
    private static readonly HashSet<string> s_readParameters = new(StringComparer.Ordinal)
    {
        "size", "from", "q", "sort", "_source", "track_total_hits", "rest_total_hits_as_int", "ignore_unavailable", "allow_no_indices", "expand_wildcards",
    };
    private static readonly HashSet<string> s_indexParameters = new(StringComparer.Ordinal) { "timeout", "master_timeout", "wait_for_active_shards", "ignore_unavailable" };

    private sealed record RouteMatch(string Name, HashSet<string> Parameters, string BodyType = "json");

    private static RouteMatch? Route(string[] parts, string method) => parts switch
    {
        [] when method is "GET" or "HEAD" => new("info", s_none),
        ["_bulk"] or [_, "_bulk"] when method is "POST" or "PUT" && (parts.Length == 1 || !parts[0].StartsWith('_')) => new("bulk", s_bulkParameters, "x-ndjson"),
        ["_nodes", "http" or "http,settings" or "settings,http"] when method == "GET" => new("nodes", s_nodesParameters),
        ["_index_template", _] when method is "GET" or "HEAD" or "PUT" or "POST" or "DELETE" => new("template", s_templateParameters),
        [var p, "_count"] when method is "GET" or "POST" && !p.StartsWith('_') => new("count", s_readParameters),
        [var p, "_search"] when method is "GET" or "POST" && !p.StartsWith('_') => new("search", s_readParameters),
        [var p, "_refresh"] when method is "GET" or "POST" && !p.StartsWith('_') => new("refresh", s_readParameters),
        [var p, "_doc", _] when method == "GET" && !p.StartsWith('_') => new("get", s_readParameters),
        [var p] when method == "PUT" && !p.StartsWith('_') => new("create-index", s_indexParameters),
        [var p] when method == "DELETE" && !p.StartsWith('_') => new("delete-index", s_indexParameters),
        _ => null,
    };

    private async Task BulkAsync(HttpContext context, string? pathIndex)
    {
        var request = context.Request;
        bool gzip = IsGzip(request);
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await using (var source = RequestBody(request))
                await source.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        if (body.Length == 0)
        {
            await Error(context, 400, "action_request_validation_exception", "Validation Failed: 1: no requests added;");
            return;
        }
        if (body[^1] != (byte)'\n')
        {
            await Error(context, 400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
            return;
        }
        if (!_storeDocuments)
        {
            await AcknowledgeFramingAsync(context, body);
            return;
        }

        var items = new List<BulkItem>();
        int position = 0;
        while (position < body.Length)
        {
            var actionLine = NextLine(body, ref position);
            if (!TryParseAction(actionLine, pathIndex, out var action, out var index, out var id, out string? problem))
            {
                await Error(context, 400, "illegal_argument_exception", problem!);
                return;
            }
            JsonObject? source = null;
            if (action != "delete")
            {
                if (position >= body.Length)
                {
                    await Error(context, 400, "illegal_argument_exception", $"the {action} action on line {items.Count * 2 + 1} has no source line");
                    return;
                }
                try
                {
                    source = JsonNode.Parse(NextLine(body, ref position)) as JsonObject;
                }
                catch (JsonException)
                {
                }
                if (source is null)
                {
                    await Error(context, 400, "x_content_parse_exception", $"the source of item {items.Count} is not a JSON object");
                    return;
                }
            }
            items.Add(new BulkItem(action, index, id, source));
        }
        _bulkRequests.Enqueue(new BulkRequestRecord(context.Request.Path.Value ?? "", gzip, request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, body.Length, items));

        var results = new JsonArray();
        bool errors = false;
        foreach (var item in items)
        {
            var result = Apply(item);
            errors |= (int)result["status"]! >= 300;
            results.Add(new JsonObject { [item.Action] = result });
        }
        await Json(context, 200, new JsonObject { ["took"] = 1, ["errors"] = errors, ["items"] = results });
    }

    private JsonObject Apply(BulkItem item)
    {
        string id = item.Id ?? "auto-" + Interlocked.Increment(ref _autoId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (TakeItemFault(item) is { } fault)
            return ItemError(item, id, fault.Status, fault.Type, fault.Reason);
        if (IsDataStream(item.Index))
        {
            if (item.Action != "create")
                return ItemError(item, id, 400, "illegal_argument_exception", $"only write ops with an op_type of create are allowed in data streams");
            if (item.Source is not null && !item.Source.ContainsKey("@timestamp"))
                return ItemError(item, id, 400, "document_parsing_exception", "data stream timestamp field [@timestamp] is missing");
        }
        var docs = _indices.GetOrAdd(item.Index, _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
        switch (item.Action)
        {
            case "create":
                if (!docs.TryAdd(id, item.Source!.ToJsonString()))
                    return ItemError(item, id, 409, "version_conflict_engine_exception", $"[{id}]: version conflict, document already exists (current version [1])");
                return ItemResult(item, id, 201, "created");
            case "index":
                bool existed = false;
                docs.AddOrUpdate(id, _ => item.Source!.ToJsonString(), (_, _) =>
                {
                    existed = true;
                    return item.Source!.ToJsonString();
                });
                return ItemResult(item, id, existed ? 200 : 201, existed ? "updated" : "created");
            case "delete":
                return docs.TryRemove(id, out _) ? ItemResult(item, id, 200, "deleted") : ItemResult(item, id, 404, "not_found");
            default:
                return ItemError(item, id, 400, "illegal_argument_exception", $"action [{item.Action}] is not supported by the test server");
        }
    }

    private static JsonObject ItemResult(BulkItem item, string id, int status, string result) => new()
    {
        ["_index"] = item.Index,
        ["_id"] = id,
        ["_version"] = 1,
        ["result"] = result,
        ["status"] = status,
    };

    private static JsonObject ItemError(BulkItem item, string id, int status, string type, string reason) => new()
    {
        ["_index"] = item.Index,
        ["_id"] = id,
        ["status"] = status,
        ["error"] = new JsonObject { ["type"] = type, ["reason"] = reason, ["index"] = item.Index },
    };

    private static bool TryParseAction(ReadOnlySpan<byte> line, string? pathIndex, out string action, out string index, out string? id, out string? problem)
    {
        action = index = "";
        id = null;
        problem = null;
        JsonObject? obj = null;
        try
        {
            obj = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
        }
        if (obj is null || obj.Count != 1)
        {
            problem = "Malformed action/metadata line: expected an object with exactly one action, got [" + Encoding.UTF8.GetString(line) + "]";
            return false;
        }
        var (name, meta) = obj.First();
        if (name is not ("index" or "create" or "delete" or "update") || meta is not JsonObject metadata)
        {
            problem = $"Malformed action/metadata line: unknown action [{name}]";
            return false;
        }
        action = name;
        index = metadata["_index"]?.GetValue<string>() ?? pathIndex ?? "";
        if (index.Length == 0)
        {
            problem = "Validation Failed: 1: index is missing;";
            return false;
        }
        id = metadata["_id"]?.GetValue<string>();
        if (action == "delete" && id is null)
        {
            problem = "Validation Failed: 1: id is missing;";
            return false;
        }
        return true;
    }

    /// <summary>Acknowledge-only mode (throughput runs): checks that actions and sources alternate, answers every
    /// item 201 under its action name, honouring <c>filter_path</c> for the top-level fields.</summary>
    private static async Task AcknowledgeFramingAsync(HttpContext context, byte[] body)
    {
        string? filter = context.Request.Query["filter_path"];
        bool Wants(string field) => filter is null || filter.Split(',').Any(f => f.Trim().StartsWith(field, StringComparison.Ordinal));
        var actions = new List<string>();
        int position = 0;
        while (position < body.Length)
        {
            var action = NextLine(body, ref position);
            string? name = action.StartsWith("{\"index\""u8) ? "index" : action.StartsWith("{\"create\""u8) ? "create" : null;
            if (name is null || position >= body.Length)
            {
                await Error(context, 400, "illegal_argument_exception", $"Malformed action/metadata line [{actions.Count * 2 + 1}]: expected index or create followed by a source line");
                return;
            }
            NextLine(body, ref position);
            actions.Add(name);
        }
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            if (Wants("took"))
                writer.WriteNumber("took", 0);
            if (Wants("errors"))
                writer.WriteBoolean("errors", false);
            if (Wants("items"))
            {
                writer.WriteStartArray("items");
                foreach (var name in actions)
                {
                    writer.WriteStartObject();
                    writer.WriteStartObject(name);
                    writer.WriteNumber("status", 201);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = (string)context.Items[ResponseTypeKey]!;
        await context.Response.Body.WriteAsync(output.GetBuffer().AsMemory(0, (int)output.Length));
    }

    private async Task TemplateAsync(HttpContext context, string name)
    {
        switch (context.Request.Method)
        {
            case "HEAD":
                context.Response.StatusCode = _templates.ContainsKey(name) ? 200 : 404;
                return;
            case "GET":
                if (!_templates.TryGetValue(name, out var template))
                {
                    await Error(context, 404, "resource_not_found_exception", $"index template matching [{name}] not found");
                    return;
                }
                await Json(context, 200, new JsonObject
                {
                    ["index_templates"] = new JsonArray(new JsonObject { ["name"] = name, ["index_template"] = template.DeepClone() }),
                });
                return;
            case "PUT" or "POST":
                JsonObject? body = null;
                try
                {
                    await using var stream = RequestBody(context.Request);
                    body = await JsonNode.ParseAsync(stream) as JsonObject;
                }
                catch (JsonException)
                {
                }
                if (body?["index_patterns"] is not { } patterns)
                {
                    await Error(context, 400, "action_request_validation_exception", "Validation Failed: 1: index patterns are missing;");
                    return;
                }
                if (patterns is JsonValue single) // one pattern, or several comma-separated; stored as a list
                    body["index_patterns"] = new JsonArray([.. single.GetValue<string>().Split(',').Select(p => (JsonNode)p.Trim())]);
                _templates[name] = body;
                await Json(context, 200, new JsonObject { ["acknowledged"] = true });
                return;
            case "DELETE":
                _templates.TryRemove(name, out _);
                await Json(context, 200, new JsonObject { ["acknowledged"] = true });
                return;
            default:
                await Error(context, 405, "illegal_argument_exception", $"Incorrect HTTP method for uri [{context.Request.Path}] and method [{context.Request.Method}], allowed: [GET, HEAD, DELETE, PUT, POST]");
                return;
        }
    }

    private async Task SearchAsync(HttpContext context, string pattern)
    {
        if (await MissingConcreteIndex(context, pattern))
            return;
        int size = 10;
        if (context.Request.Query.TryGetValue("size", out var sizeText) && int.TryParse(sizeText, out int s))
            size = s;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            JsonObject? body = null;
            try
            {
                await using var stream = RequestBody(context.Request);
                body = await JsonNode.ParseAsync(stream) as JsonObject;
            }
            catch (JsonException)
            {
            }
            if (body?["size"] is JsonValue sizeValue)
                size = sizeValue.GetValue<int>();
            if (body?["query"] is JsonObject query && (query.Count != 1 || !query.ContainsKey("match_all")))
            {
                await Error(context, 400, "parsing_exception", "the test server supports match_all queries only");
                return;
            }
        }
        var hits = new JsonArray();
        long total = 0;
        foreach (var name in Resolve(pattern).Order(StringComparer.Ordinal))
        {
            foreach (var (id, source) in _indices[name].OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                total++;
                if (hits.Count < size)
                    hits.Add(new JsonObject { ["_index"] = name, ["_id"] = id, ["_score"] = 1.0, ["_source"] = JsonNode.Parse(source) });
            }
        }
        await Json(context, 200, new JsonObject
        {
            ["took"] = 1,
            ["timed_out"] = false,
            ["_shards"] = Shards(),
            ["hits"] = new JsonObject
            {
                ["total"] = new JsonObject { ["value"] = total, ["relation"] = "eq" },
                ["max_score"] = 1.0,
                ["hits"] = hits,
            },
        });
    }

    private async Task GetDocumentAsync(HttpContext context, string index, string id)
    {
        if (_indices.TryGetValue(index, out var docs) && docs.TryGetValue(id, out var source))
            await Json(context, 200, new JsonObject { ["_index"] = index, ["_id"] = id, ["found"] = true, ["_source"] = JsonNode.Parse(source) });
        else
            await Json(context, 404, new JsonObject { ["_index"] = index, ["_id"] = id, ["found"] = false });
    }

    private async Task<bool> MissingConcreteIndex(HttpContext context, string pattern)
    {
        foreach (var part in pattern.Split(','))
        {
            if (!part.Contains('*', StringComparison.Ordinal) && !_indices.ContainsKey(part))
            {
                await Error(context, 404, "index_not_found_exception", $"no such index [{part}]");
                return true;
            }
        }
        return false;
    }

    private List<string> Resolve(string pattern)
    {
        var names = new List<string>();
        foreach (var part in pattern.Split(','))
            foreach (var name in _indices.Keys)
                if (Glob(part, name) && !names.Contains(name))
                    names.Add(name);
        return names;
    }

    private bool IsDataStream(string index)
    {
        foreach (var template in _templates.Values)
        {
            if (template["data_stream"] is not JsonObject || template["index_patterns"] is not JsonArray patterns)
                continue;
            foreach (var p in patterns)
                if (p is JsonValue v && Glob(v.GetValue<string>(), index))
                    return true;
        }
        return false;
    }

    private static bool Glob(string pattern, string name)
    {
        if (pattern is "*" or "_all")
            return true;
        var pieces = pattern.Split('*');
        if (pieces.Length == 1)
            return pattern == name;
        if (!name.StartsWith(pieces[0], StringComparison.Ordinal))
            return false;
        int at = pieces[0].Length;
        for (int i = 1; i < pieces.Length - 1; i++)
        {
            int found = name.IndexOf(pieces[i], at, StringComparison.Ordinal);
            if (found < 0)
                return false;
            at = found + pieces[i].Length;
        }
        return name.Length - at >= pieces[^1].Length && name.EndsWith(pieces[^1], StringComparison.Ordinal);
    }

    private ItemFault? TakeItemFault(BulkItem item)
    {
        lock (_itemFaults)
        {
            foreach (var fault in _itemFaults)
            {
                if (fault.Remaining > 0 && fault.Predicate(item))
                {
                    fault.Remaining--;
                    return fault;
                }
            }
        }
        return null;
    }

    private RequestFault? TakeRequestFault(string path)
    {
        lock (_requestFaults)
        {
            foreach (var fault in _requestFaults)
            {
                if (fault.Remaining > 0 && path.Contains(fault.PathContains, StringComparison.Ordinal))
                {
                    fault.Remaining--;
                    return fault;
                }
            }
        }
        return null;
    }

    private static bool IsGzip(HttpRequest request) => request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);

    /// <summary>The request body, decompressed when it came with <c>Content-Encoding: gzip</c>.</summary>
    private static Stream RequestBody(HttpRequest request)
    {
        if (IsGzip(request))
            return new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
        return request.Body;
    }

    private static ReadOnlySpan<byte> NextLine(byte[] body, ref int position)
    {
        int end = Array.IndexOf(body, (byte)'\n', position);
        var line = body.AsSpan(position, end - position);
        position = end + 1;
        if (line.Length > 0 && line[^1] == (byte)'\r')
            line = line[..^1];
        return line;
    }

    private JsonObject ClusterInfo() => new()
    {
        ["name"] = "elasticsearch-test-server",
        ["cluster_name"] = ClusterName,
        ["cluster_uuid"] = "TeStSeRvErNoTeLaStIcSeArCh",
        ["version"] = new JsonObject
        {
            ["number"] = Version,
            ["build_flavor"] = "default",
            ["build_type"] = "docker",
            ["build_hash"] = "0000000000000000000000000000000000000000",
            ["build_date"] = "2025-07-01T00:00:00.000000000Z",
            ["build_snapshot"] = false,
            ["lucene_version"] = "10.2.2",
            ["minimum_wire_compatibility_version"] = "8.19.0",
            ["minimum_index_compatibility_version"] = "8.0.0",
        },
        ["tagline"] = "You Know, for Search",
    };

    private const string ClusterName = "ingesthub-test";
    private const string Version = "9.1.0";

    /// <summary><c>GET _nodes/http,settings</c> as a node answers it (what the client's sniffing reads).</summary>
    private JsonObject NodesInfo()
    {
        var nodes = new JsonObject();
        int n = 0;
        foreach (var node in ClusterNodes)
        {
            string address = $"{node.Url.Host}:{node.Url.Port}";
            string id = node.Url == Url ? _nodeId : $"node-{n}-{node.Url.Port}";
            var roles = new JsonArray();
            foreach (var role in node.Roles)
                roles.Add(role);
            nodes[id] = new JsonObject
            {
                ["name"] = $"es-{n}",
                ["transport_address"] = $"{node.Url.Host}:9300",
                ["host"] = node.Url.Host,
                ["ip"] = node.Url.Host,
                ["version"] = Version,
                ["build_flavor"] = "default",
                ["build_type"] = "docker",
                ["build_hash"] = "0000000000000000000000000000000000000000",
                ["roles"] = roles,
                ["attributes"] = new JsonObject(),
                ["settings"] = new JsonObject { ["cluster.name"] = ClusterName, ["node.name"] = $"es-{n}" },
                ["http"] = new JsonObject
                {
                    ["bound_address"] = new JsonArray(address),
                    ["publish_address"] = address,
                    ["max_content_length_in_bytes"] = 104_857_600,
                },
            };
            n++;
        }
        return new JsonObject
        {
            ["_nodes"] = new JsonObject { ["total"] = n, ["successful"] = n, ["failed"] = 0 },
            ["cluster_name"] = ClusterName,
            ["nodes"] = nodes,
        };
    }

    private static JsonObject Shards() => new() { ["total"] = 1, ["successful"] = 1, ["failed"] = 0 };

    private static Task Error(HttpContext context, int status, string type, string reason) => Json(context, status, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["root_cause"] = new JsonArray(new JsonObject { ["type"] = type, ["reason"] = reason }),
            ["type"] = type,
            ["reason"] = reason,
        },
        ["status"] = status,
    });

    private static async Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = context.Items[ResponseTypeKey] as string ?? "application/json";
        if (status < 300 && context.Request.Query["filter_path"] is { Count: > 0 } filter)
            body = FilterPath.Apply(body, filter.ToString())!;
        if (context.Request.Method != "HEAD")
            await context.Response.WriteAsync(body.ToJsonString());
    }

    private sealed class ItemFault(Func<BulkItem, bool> predicate, int status, string type, string reason, int times)
    {
        public Func<BulkItem, bool> Predicate { get; } = predicate;
        public int Status { get; } = status;
        public string Type { get; } = type;
        public string Reason { get; } = reason;
        public int Remaining { get; set; } = times;
    }

    private sealed class RequestFault(RequestFaultKind kind, string pathContains, TimeSpan delay, int times)
    {
        public RequestFaultKind Kind { get; } = kind;
        public string PathContains { get; } = pathContains;
        public TimeSpan Delay { get; } = delay;
        public int Remaining { get; set; } = times;
    }
}
