using System.Net;
using System.Text;
using System.Text.Json.Nodes;
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

    private async Task<HttpResponseMessage> Bulk(string body, string contentType = "application/x-ndjson", string path = "_bulk")
    {
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        return await _http.PostAsync(path, content, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"x\":1}", "application/x-ndjson")] // no trailing newline
    [InlineData("{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"x\":1}\n", "application/json")]
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
