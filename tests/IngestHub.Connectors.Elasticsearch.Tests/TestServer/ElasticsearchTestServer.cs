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
/// An Elasticsearch-compatible test server: a test double of the parts of the ES REST API the sink uses, on
/// Kestrel at 127.0.0.1 on a free port. It is not Elasticsearch (no analysis, no mappings, no queries beyond
/// match_all). It is strict about the <c>_bulk</c> NDJSON framing (Content-Type <c>application/x-ndjson</c>,
/// a source line after every action but delete, trailing newline; else 400), stores documents in memory per
/// index with index (overwrite) and create (409 when present) semantics, decodes gzip bodies, checks basic or
/// API-key authentication when asked to, logs every bulk request, and injects per-item and whole-request faults.
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

        if (_requiredAuthorization is not null && request.Headers.Authorization.ToString() != _requiredAuthorization)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"security\", ApiKey";
            await Error(context, 401, "security_exception", "missing or wrong authentication credentials for REST request [" + path + "]");
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
        switch (parts)
        {
            case [] when method is "GET" or "HEAD":
                await Json(context, 200, ClusterInfo());
                return;
            case ["_bulk"] when method is "POST" or "PUT":
                await BulkAsync(context, null);
                return;
            case [var index, "_bulk"] when method is "POST" or "PUT":
                await BulkAsync(context, index);
                return;
            case ["_index_template", var name]:
                await TemplateAsync(context, name);
                return;
            case [var pattern, "_count"] when method is "GET" or "POST":
                if (await MissingConcreteIndex(context, pattern))
                    return;
                await Json(context, 200, new JsonObject { ["count"] = Count(pattern), ["_shards"] = Shards() });
                return;
            case [var pattern, "_search"] when method is "GET" or "POST":
                await SearchAsync(context, pattern);
                return;
            case [var pattern, "_refresh"] when method is "GET" or "POST":
                await Json(context, 200, new JsonObject { ["_shards"] = Shards() });
                return;
            case [var index, "_doc", var id] when method == "GET":
                await GetDocumentAsync(context, index, id);
                return;
            case [var index] when method == "PUT" && !index.StartsWith('_'):
                if (!_indices.TryAdd(index, new ConcurrentDictionary<string, string>(StringComparer.Ordinal)))
                {
                    await Error(context, 400, "resource_already_exists_exception", $"index [{index}] already exists");
                    return;
                }
                await Json(context, 200, new JsonObject { ["acknowledged"] = true, ["shards_acknowledged"] = true, ["index"] = index });
                return;
            case [var pattern] when method == "DELETE" && !pattern.StartsWith('_'):
                foreach (var name in Resolve(pattern))
                    _indices.TryRemove(name, out _);
                await Json(context, 200, new JsonObject { ["acknowledged"] = true });
                return;
            default:
                await Error(context, 400, "illegal_argument_exception", $"request [{method} {path}] is not supported by the test server");
                return;
        }
    }

    private async Task BulkAsync(HttpContext context, string? pathIndex)
    {
        var request = context.Request;
        string contentType = request.ContentType ?? "";
        if (!contentType.StartsWith("application/x-ndjson", StringComparison.OrdinalIgnoreCase))
        {
            await Error(context, 400, "illegal_argument_exception", $"bulk body must be application/x-ndjson, got [{contentType}]");
            return;
        }
        bool gzip = request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            if (gzip)
            {
                await using var unzip = new GZipStream(request.Body, CompressionMode.Decompress);
                await unzip.CopyToAsync(buffer, context.RequestAborted);
            }
            else
            {
                await request.Body.CopyToAsync(buffer, context.RequestAborted);
            }
            body = buffer.ToArray();
        }
        if (body.Length == 0 || body[^1] != (byte)'\n')
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

    private static async Task AcknowledgeFramingAsync(HttpContext context, byte[] body)
    {
        int lines = 0;
        foreach (byte b in body)
            if (b == (byte)'\n')
                lines++;
        if (lines % 2 != 0)
        {
            await Error(context, 400, "illegal_argument_exception", "odd number of lines: an action has no source line");
            return;
        }
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteNumber("took", 0);
            writer.WriteBoolean("errors", false);
            writer.WriteStartArray("items");
            for (int i = 0; i < lines / 2; i++)
            {
                writer.WriteStartObject();
                writer.WriteStartObject("index");
                writer.WriteNumber("status", 201);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(output.GetBuffer().AsMemory(0, (int)output.Length));
    }

    private async Task TemplateAsync(HttpContext context, string name)
    {
        switch (context.Request.Method)
        {
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
                    body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
                }
                catch (JsonException)
                {
                }
                if (body?["index_patterns"] is null)
                {
                    await Error(context, 400, "action_request_validation_exception", "Validation Failed: 1: index patterns are missing;");
                    return;
                }
                _templates[name] = body;
                await Json(context, 200, new JsonObject { ["acknowledged"] = true });
                return;
            case "DELETE":
                _templates.TryRemove(name, out _);
                await Json(context, 200, new JsonObject { ["acknowledged"] = true });
                return;
            default:
                await Error(context, 405, "illegal_argument_exception", "method not allowed");
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
                body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
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

    private static ReadOnlySpan<byte> NextLine(byte[] body, ref int position)
    {
        int end = Array.IndexOf(body, (byte)'\n', position);
        var line = body.AsSpan(position, end - position);
        position = end + 1;
        if (line.Length > 0 && line[^1] == (byte)'\r')
            line = line[..^1];
        return line;
    }

    private static JsonObject ClusterInfo() => new()
    {
        ["name"] = "elasticsearch-test-server",
        ["cluster_name"] = "ingesthub-test",
        ["cluster_uuid"] = "test-server-not-elasticsearch",
        ["version"] = new JsonObject { ["number"] = "8.15.0", ["build_flavor"] = "test-double" },
        ["tagline"] = "An Elasticsearch-compatible test server, not Elasticsearch",
    };

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
        context.Response.ContentType = "application/json";
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
