using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Elastic.Clients.Elasticsearch;
using IngestHub.Connectors.Elasticsearch.Tests.TestServer;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

/// <summary>The test double must refuse what Elasticsearch refuses, or the sink's tests prove nothing.</summary>
public sealed class ElasticsearchTestServerTests : IAsyncLifetime
{
    private ElasticsearchTestServer _server = null!;
    private readonly HttpClient _http = new();

    public async ValueTask InitializeAsync()
    {
        _server = await ElasticsearchTestServer.StartAsync();
        _http.BaseAddress = _server.Url;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<JsonNode> ErrorOf(HttpResponseMessage response)
    {
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!;
        Assert.Equal((int)response.StatusCode, json["status"]!.GetValue<int>());
        return json["error"]!;
    }

    private async Task<HttpResponseMessage> Bulk(string body, string contentType = "application/x-ndjson", string path = "_bulk")
    {
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        return await _http.PostAsync(path, content, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"x\":1}", "application/x-ndjson")] // no trailing newline
    [InlineData("{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n", "application/x-ndjson")] // action without source
    [InlineData("{\"index\":{\"_index\":\"a\"}}\n{\"x\":1}\n{\"x\":2}\n", "application/x-ndjson")] // source where an action belongs
    [InlineData("{\"index\":{\"_id\":\"1\"}}\n{\"x\":1}\n", "application/x-ndjson")] // no index
    public async Task Malformed_bulk_bodies_get_400(string body, string contentType)
    {
        using var response = await Bulk(body, contentType);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_server.IndexNames);
    }

    [Fact]
    public async Task A_bulk_body_must_be_ndjson()
    {
        using var response = await Bulk("{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"x\":1}\n", "text/plain");
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("media_type_header_exception", error["type"]!.GetValue<string>());
        Assert.Empty(_server.IndexNames);
    }

    [Fact]
    public async Task Every_answer_says_Elasticsearch_and_the_root_has_the_info_shape()
    {
        using var info = await _http.GetAsync("", Token);
        using var missing = await _http.GetAsync("nope/_count", Token);
        using var headRequest = new HttpRequestMessage(HttpMethod.Head, "");
        using var head = await _http.SendAsync(headRequest, Token);

        foreach (var response in new[] { info, missing, head })
            Assert.Equal("Elasticsearch", Assert.Single(response.Headers.GetValues("X-Elastic-Product")));
        Assert.Equal("application/json", info.Content.Headers.ContentType!.MediaType);
        var json = JsonNode.Parse(await info.Content.ReadAsStringAsync(Token))!;
        Assert.StartsWith("9.", json["version"]!["number"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("default", json["version"]!["build_flavor"]!.GetValue<string>());
        Assert.Equal("You Know, for Search", json["tagline"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var error = await ErrorOf(missing);
        Assert.Equal("index_not_found_exception", error["type"]!.GetValue<string>());
        Assert.Equal("index_not_found_exception", error["root_cause"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_server_without_the_product_header_is_refused_by_the_official_client()
    {
        using var settings = new ElasticsearchClientSettings(_server.Url);
        var client = new ElasticsearchClient(settings);
        Assert.True((await client.InfoAsync(Token)).IsValidResponse);

        _server.ProductHeader = false;
        using var otherSettings = new ElasticsearchClientSettings(_server.Url);
        var refused = new ElasticsearchClient(otherSettings);
        await Assert.ThrowsAsync<UnsupportedProductException>(async () => await refused.InfoAsync(Token));
    }

    [Fact]
    public async Task The_official_client_with_its_versioned_media_types_indexes_and_counts()
    {
        // Its defaults: Accept and Content-Type application/vnd.elasticsearch+json; compatible-with=9, gzip bodies.
        using var settings = new ElasticsearchClientSettings(_server.Url);
        var client = new ElasticsearchClient(settings);

        var bulk = await client.BulkAsync(new Elastic.Clients.Elasticsearch.BulkRequest("typed")
        {
            Operations = [new Elastic.Clients.Elasticsearch.Core.Bulk.BulkIndexOperation<JsonObject>(new JsonObject { ["v"] = 1 }) { Id = "a" },
                new Elastic.Clients.Elasticsearch.Core.Bulk.BulkCreateOperation<JsonObject>(new JsonObject { ["v"] = 2 }) { Id = "a" }],
        }, Token);
        var count = await client.CountAsync(new CountRequest("typed"), Token);

        Assert.Equal(200, bulk.ApiCallDetails.HttpStatusCode); // IsValidResponse is false for a bulk with item errors
        Assert.True(bulk.Errors);
        Assert.Equal([201, 409], bulk.Items.Select(i => i.Status));
        Assert.Equal("version_conflict_engine_exception", bulk.Items.Last().Error!.Type);
        Assert.Equal(1, count.Count);
        Assert.True(Assert.Single(_server.BulkRequests).Gzip);
    }

    [Theory]
    [InlineData("application/vnd.elasticsearch+json; compatible-with=7", "application/vnd.elasticsearch+x-ndjson; compatible-with=7")] // too old for a 9.x node
    [InlineData("application/vnd.elasticsearch+json; compatible-with=9", "application/vnd.elasticsearch+x-ndjson; compatible-with=8")] // must agree
    [InlineData("application/vnd.elasticsearch+json; compatible-with=9", "application/x-ndjson")] // asked in one header only
    public async Task Versioned_media_types_must_be_supported_and_agree(string accept, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "_bulk") { Content = new StringContent("{\"index\":{\"_index\":\"a\"}}\n{\"x\":1}\n") };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await _http.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("media_type_header_exception", (await ErrorOf(response))["type"]!.GetValue<string>());
        Assert.Empty(_server.IndexNames);
    }

    [Fact]
    public async Task Versioned_answers_carry_the_version_asked_for()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "");
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.elasticsearch+json; compatible-with=8");
        using var response = await _http.SendAsync(request, Token);

        Assert.Equal("application/vnd.elasticsearch+json;compatible-with=8", response.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_query_parameters_are_refused()
    {
        using var response = await Bulk("{\"index\":{\"_index\":\"a\"}}\n{\"x\":1}\n", path: "_bulk?refresh=true&colour=blue");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unrecognized parameter: [colour]", (await ErrorOf(response))["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(_server.IndexNames);
    }

    [Fact]
    public async Task Filter_path_keeps_only_the_named_fields()
    {
        _server.FailItems(item => item.Id == "2", 400, "document_parsing_exception", "failed to parse");
        using var response = await Bulk("{\"index\":{\"_index\":\"f\",\"_id\":\"1\"}}\n{\"x\":1}\n{\"create\":{\"_index\":\"f\",\"_id\":\"2\"}}\n{\"x\":2}\n",
            path: "_bulk?filter_path=errors,items.*.status,items.*.error.type");
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!;

        Assert.Equal("""{"errors":true,"items":[{"index":{"status":201}},{"create":{"status":400,"error":{"type":"document_parsing_exception"}}}]}""", json.ToJsonString());
    }

    [Fact]
    public async Task Nodes_http_lists_the_cluster_for_sniffing()
    {
        var other = new Uri("http://127.0.0.1:9201/");
        _server.ClusterNodes = [new ClusterNode(_server.Url, ["master", "data"]), new ClusterNode(other, ["data"])];
        using var response = await _http.GetAsync("_nodes/http,settings?flat_settings=true&timeout=2s", Token);
        var nodes = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!["nodes"]!.AsObject();

        Assert.Equal(2, nodes.Count);
        Assert.Equal([$"127.0.0.1:{_server.Url.Port}", "127.0.0.1:9201"], nodes.Select(n => n.Value!["http"]!["publish_address"]!.GetValue<string>()));
        Assert.Equal(["data"], nodes.Last().Value!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task Create_conflicts_index_overwrites_and_delete_needs_no_source()
    {
        string body = "{\"create\":{\"_id\":\"1\"}}\n{\"v\":1}\n{\"create\":{\"_id\":\"1\"}}\n{\"v\":2}\n{\"index\":{\"_id\":\"2\"}}\n{\"v\":3}\n{\"index\":{\"_id\":\"2\"}}\n{\"v\":4}\n{\"delete\":{\"_id\":\"3\"}}\n";
        using var response = await Bulk(body, path: "docs/_bulk");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.True(json["errors"]!.GetValue<bool>());
        int[] statuses = [.. json["items"]!.AsArray().Select(i => i!.AsObject().First().Value!["status"]!.GetValue<int>())];
        Assert.Equal([201, 409, 201, 200, 404], statuses);
        Assert.Equal("{\"v\":1}", _server.Documents("docs")["1"]);
        Assert.Equal("{\"v\":4}", _server.Documents("docs")["2"]);
    }

    [Fact]
    public async Task Search_returns_hits_with_ids_and_sources()
    {
        using (var r = await Bulk("{\"index\":{\"_index\":\"s\",\"_id\":\"a\"}}\n{\"v\":1}\n{\"index\":{\"_index\":\"s\",\"_id\":\"b\"}}\n{\"v\":2}\n"))
            r.EnsureSuccessStatusCode();
        using var query = new StringContent("""{"query":{"match_all":{}},"size":1}""", Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync("s/_search", query, TestContext.Current.CancellationToken);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal(2, json["hits"]!["total"]!["value"]!.GetValue<int>());
        var hit = Assert.Single(json["hits"]!["hits"]!.AsArray())!;
        Assert.Equal("a", hit["_id"]!.GetValue<string>());
        Assert.Equal(1, hit["_source"]!["v"]!.GetValue<int>());
    }
}
