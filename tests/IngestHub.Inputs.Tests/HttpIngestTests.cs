using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Testing;
using Xunit;

namespace IngestHub.Inputs.Tests;

/// <summary>POST /ingest/{topic} driven with curl; what is stored is read back through the Kafka protocol.</summary>
public sealed class HttpIngestTests(ApplianceFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ingesthub-http-ingest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    private string File(string name, string content) => File(name, Encoding.UTF8.GetBytes(content));

    private Uri Url(string topic, string query = "") => new(fixture.Host.HttpBase, $"ingest/{topic}{query}");

    private async Task<IReadOnlyList<IngestHub.Client.ConsumeResult>> StoredAsync(string topic) => await TopicReader.ReadAllAsync(fixture.Host.Bootstrap, topic);

    [Fact]
    public async Task Ndjson_lines_become_records_keyed_by_the_chosen_field_and_the_answer_counts_them()
    {
        string topic = ApplianceFixture.NewTopic("http-ndjson");
        string body = "{\"service\":\"web\",\"msg\":\"one\"}\n\n{\"service\":\"db\",\"msg\":\"two\"}\r\n{\"msg\":\"no key\"}\n";
        var (status, answer) = await Curl.PostAsync(Url(topic, "?key=service"), File("a.ndjson", body), "application/x-ndjson");
        Assert.Equal(200, status);
        Assert.Equal(3, (int)JsonNode.Parse(answer)!["accepted"]!);
        var stored = await StoredAsync(topic); // answered after acks=all: already readable
        Assert.Equal(3, stored.Count);
        var byMessage = stored.ToDictionary(r => (string)JsonNode.Parse(r.Value!)!["msg"]!, r => r.Key is null ? null : Encoding.UTF8.GetString(r.Key));
        Assert.Equal("web", byMessage["one"]);
        Assert.Equal("db", byMessage["two"]);
        Assert.Null(byMessage["no key"]);
    }

    [Fact]
    public async Task A_gzip_json_array_and_plain_text_lines_are_accepted()
    {
        string topic = ApplianceFixture.NewTopic("http-formats");
        using (var compressed = new MemoryStream())
        {
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
                gzip.Write(Encoding.UTF8.GetBytes("[{\"n\":1},{\"n\":2,\"nested\":{\"a\":[1,2]}}]"));
            var (status, answer) = await Curl.PostAsync(Url(topic), File("a.json.gz", compressed.ToArray()), "application/json", "-H", "Content-Encoding: gzip");
            Assert.Equal((200, 2), (status, (int)JsonNode.Parse(answer)!["accepted"]!));
        }
        var (textStatus, textAnswer) = await Curl.PostAsync(Url(topic), File("a.txt", "first line\nsecond line\n"), "text/plain");
        Assert.Equal((200, 2), (textStatus, (int)JsonNode.Parse(textAnswer)!["accepted"]!));
        var values = (await StoredAsync(topic)).Select(r => Encoding.UTF8.GetString(r.Value!)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["first line", "second line", "{\"n\":1}", "{\"n\":2,\"nested\":{\"a\":[1,2]}}"], values);
    }

    [Fact]
    public async Task A_malformed_line_is_refused_with_its_line_number_and_nothing_of_the_request_is_stored()
    {
        string topic = ApplianceFixture.NewTopic("http-malformed");
        string body = "{\"ok\":1}\n{\"ok\":2}\n{\"broken\": \n{\"ok\":4}\n";
        var (status, answer) = await Curl.PostAsync(Url(topic), File("bad.ndjson", body), "application/x-ndjson");
        Assert.Equal(400, status);
        Assert.StartsWith("line 3:", (string)JsonNode.Parse(answer)!["message"]!);
        var (okStatus, _) = await Curl.PostAsync(Url(topic), File("good.ndjson", "{\"ok\":\"later\"}\n"), "application/x-ndjson");
        Assert.Equal(200, okStatus);
        var stored = await StoredAsync(topic);
        Assert.Equal("{\"ok\":\"later\"}", Encoding.UTF8.GetString(Assert.Single(stored).Value!));
    }

    [Fact]
    public async Task Oversized_bodies_and_too_many_lines_get_413_naming_the_limit()
    {
        string topic = ApplianceFixture.NewTopic("http-limits");
        var big = new StringBuilder();
        while (big.Length <= ApplianceFixture.MaxBodyBytes)
            big.Append("{\"padding\":\"").Append('x', 500).Append("\"}\n");
        var (status, answer) = await Curl.PostAsync(Url(topic), File("big.ndjson", big.ToString()), "application/x-ndjson");
        Assert.Equal(413, status);
        Assert.Contains("inputs.http.maxBodyBytes", (string)JsonNode.Parse(answer)!["message"]!);

        // Compressed it is small, but the limit applies to what it expands to.
        using (var compressed = new MemoryStream())
        {
            using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
                gzip.Write(Encoding.UTF8.GetBytes(big.ToString()));
            Assert.True(compressed.Length < ApplianceFixture.MaxBodyBytes);
            var (gzStatus, gzAnswer) = await Curl.PostAsync(Url(topic), File("big.gz", compressed.ToArray()), "application/x-ndjson", "-H", "Content-Encoding: gzip");
            Assert.Equal(413, gzStatus);
            Assert.Contains("after decompression", (string)JsonNode.Parse(gzAnswer)!["message"]!);
        }

        string many = string.Concat(Enumerable.Range(0, ApplianceFixture.MaxLines + 1).Select(i => $"line {i}\n"));
        var (linesStatus, linesAnswer) = await Curl.PostAsync(Url(topic), File("many.txt", many), "text/plain");
        Assert.Equal(413, linesStatus);
        Assert.Contains("inputs.http.maxLines", (string)JsonNode.Parse(linesAnswer)!["message"]!);
        Assert.Empty(await StoredAsync(topic));
    }

    [Fact]
    public async Task Unsupported_media_and_bad_requests_are_named_and_counted_as_rejects()
    {
        long rejectedBefore = await RejectedAsync();
        var (xml, xmlAnswer) = await Curl.PostAsync(Url("x"), File("a.xml", "<a/>"), "application/xml");
        Assert.Equal(415, xml);
        Assert.Contains("unsupported content type", (string)JsonNode.Parse(xmlAnswer)!["message"]!);
        var (arr, arrAnswer) = await Curl.PostAsync(Url("x"), File("a.json", "[{\"a\":1}, 7]"), "application/json");
        Assert.Equal(400, arr);
        Assert.Contains("element 2", (string)JsonNode.Parse(arrAnswer)!["message"]!);
        var (key, _) = await Curl.PostAsync(Url("x", "?key=service"), File("k.txt", "plain"), "text/plain");
        Assert.Equal(400, key);
        var (name, _) = await Curl.PostAsync(Url("bad!name"), File("n.txt", "plain"), "text/plain");
        Assert.Equal(400, name);
        Assert.Equal(rejectedBefore + 4, await RejectedAsync());
    }

    private async Task<long> RejectedAsync()
    {
        var inputs = JsonNode.Parse(await fixture.Host.Http.GetStringAsync("/api/inputs"))!.AsArray();
        return (long)inputs.First(i => (string)i!["name"]! == "http")!["rejected"]!;
    }
}
