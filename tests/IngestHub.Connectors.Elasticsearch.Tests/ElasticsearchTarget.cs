using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Connectors.Elasticsearch.Tests.TestServer;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

/// <summary>
/// Where a test writes: the in-process <see cref="ElasticsearchTestServer"/>, or a real Elasticsearch
/// (<see cref="RealElasticsearch"/>: <c>INGESTHUB_TEST_ELASTICSEARCH_URL</c>, credentials may be in the URL:
/// <c>https://elastic:pw@localhost:9200</c>, its certificate is not verified; or a container of
/// <c>INGESTHUB_TEST_ELASTICSEARCH_IMAGE</c> or the official image). Reads go through the REST API so assertions
/// hold for both.
/// </summary>
public sealed class ElasticsearchTarget : IAsyncDisposable
{
    public const string TestServerKind = "test-server";
    public const string RealKind = "elasticsearch";

    private readonly HttpClient _http;
    private readonly List<string> _cleanup = [];

    private ElasticsearchTarget(Uri url, ElasticsearchTestServer? server, string? username, string? password)
    {
        Url = url;
        Server = server;
        Username = username;
        Password = password;
#pragma warning disable CA5359 // a local test cluster's throwaway certificate
#pragma warning disable CA2000 // the client owns the handler and disposes it with itself
        _http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true } }) { BaseAddress = url };
#pragma warning restore CA2000
#pragma warning restore CA5359
        if (username is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password)));
    }

    public Uri Url { get; }

    /// <summary>Null against a real Elasticsearch.</summary>
    public ElasticsearchTestServer? Server { get; }

    public string? Username { get; }

    public string? Password { get; }

    public bool IsReal => Server is null;

    /// <summary>A fresh lowercase name for this test's indices, templates and data sets.</summary>
    public string Prefix { get; } = "ihtest" + Guid.NewGuid().ToString("N")[..10];

    public static async Task<ElasticsearchTarget> CreateAsync(string kind)
    {
        if (kind == TestServerKind)
        {
#pragma warning disable CA2000 // the target owns the server and disposes it with itself
            var server = await ElasticsearchTestServer.StartAsync();
#pragma warning restore CA2000
            return new ElasticsearchTarget(server.Url, server, null, null);
        }
        var found = await (RealElasticsearch.Current ?? throw new InvalidOperationException("the RealElasticsearch assembly fixture is missing"))
            .FindAsync(TestContext.Current.CancellationToken);
        if (found.Url is not { } uri)
        {
            if (found.Broken)
                throw new InvalidOperationException(found.Reason);
            Assert.Skip(found.Reason!);
            throw new InvalidOperationException("unreachable");
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
            user = parts[0];
            password = parts.Length > 1 ? parts[1] : "";
        }
        var clean = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        return new ElasticsearchTarget(clean, null, user, password);
    }

    /// <summary>The test server behind this target; skips the test against a real Elasticsearch.</summary>
    public ElasticsearchTestServer RequireTestServer(string what = "fault injection") =>
        Server ?? throw SkipException($"{what} needs the Elasticsearch test server; this run targets a real Elasticsearch");

    private static Exception SkipException(string reason)
    {
        Assert.Skip(reason);
        return new InvalidOperationException("unreachable");
    }

    /// <summary>Sink settings pointing at this target, plus <paramref name="extra"/>.</summary>
    public JsonObject Settings(JsonObject? extra = null)
    {
        var settings = new JsonObject
        {
            ["hosts"] = new JsonArray(Url.AbsoluteUri),
            ["retry.backoff.ms"] = 1,
            ["retry.backoff.max.ms"] = 20,
            ["request.timeout.ms"] = 10_000,
        };
        if (Username is not null)
        {
            settings["username"] = Username;
            settings["password"] = Password;
        }
        if (Url.Scheme == "https")
            settings["ssl.verify"] = false;
        if (extra is not null)
            foreach (var (key, value) in extra)
                settings[key] = value?.DeepClone();
        return settings;
    }

    /// <summary>Remembers an index pattern, data stream or template to delete on a real cluster.</summary>
    public void CleanupLater(string path) => _cleanup.Add(path);

    public async Task<long> CountAsync(string indexPattern)
    {
        await _http.PostAsync(indexPattern + "/_refresh?ignore_unavailable=true", null);
        using var response = await _http.GetAsync(indexPattern + "/_count");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return 0;
        response.EnsureSuccessStatusCode();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return body["count"]!.GetValue<long>();
    }

    public async Task<JsonObject?> GetDocumentAsync(string index, string id)
    {
        using var response = await _http.GetAsync($"{index}/_doc/{Uri.EscapeDataString(id)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["_source"] as JsonObject;
    }

    /// <summary>Every document of <paramref name="indexPattern"/> as (index, id), read with a scroll.</summary>
    public async Task<List<(string Index, string Id)>> DocumentIdsAsync(string indexPattern)
    {
        await _http.PostAsync(indexPattern + "/_refresh?ignore_unavailable=true", null);
        var ids = new List<(string, string)>();
        var query = new JsonObject { ["size"] = 10_000, ["_source"] = false, ["sort"] = new JsonArray("_doc"), ["query"] = new JsonObject { ["match_all"] = new JsonObject() } };
        using var firstQuery = new StringContent(query.ToJsonString(), Encoding.UTF8, "application/json");
        using var first = await _http.PostAsync(indexPattern + "/_search?scroll=1m", firstQuery);
        first.EnsureSuccessStatusCode();
        var page = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        while (page["hits"]!["hits"]!.AsArray() is { Count: > 0 } hits)
        {
            foreach (var hit in hits)
                ids.Add((hit!["_index"]!.GetValue<string>(), hit["_id"]!.GetValue<string>()));
            var next = new JsonObject { ["scroll"] = "1m", ["scroll_id"] = page["_scroll_id"]!.GetValue<string>() };
            using var nextQuery = new StringContent(next.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync("_search/scroll", nextQuery);
            response.EnsureSuccessStatusCode();
            page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
        return ids;
    }

    public async Task<JsonObject?> GetTemplateAsync(string name)
    {
        using var response = await _http.GetAsync("_index_template/" + name);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["index_templates"]![0]!["index_template"] as JsonObject;
    }

    public async Task PutAsync(string path, JsonObject body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.PutAsync(path, content);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
        else
            foreach (var path in _cleanup)
                await _http.DeleteAsync(path);
        _http.Dispose();
    }
}
