using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Connectors.Elasticsearch.Tests.TestServer;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;
using IngestHub.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

/// <summary>
/// The sink against the Elasticsearch test server and, when <c>INGESTHUB_TEST_ELASTICSEARCH_URL</c> is set, a
/// real Elasticsearch (each test runs once per target; fault-injection tests skip against the real one).
/// </summary>
public sealed class ElasticsearchSinkTests
{
    public static TheoryData<string> Targets => [ElasticsearchTarget.TestServerKind, ElasticsearchTarget.RealKind];

    // Settings go through JSON text, as they arrive from YAML or the REST API (SettingsReader reads parsed values).
    private static ElasticsearchSink CreateSink(JsonObject settings) =>
        (ElasticsearchSink)new ElasticsearchSinkFactory().Create("test", JsonNode.Parse(settings.ToJsonString())!.AsObject(), NullLoggerFactory.Instance);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Fifty_thousand_events_arrive_once_under_source_ids_in_daily_indices(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix + "-*");
        var events = EventBatches.Make(50_000);
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix + "-%{+yyyy.MM.dd}" }));
        await sink.StartAsync(Token);

        foreach (var batch in EventBatches.Batches(events, 1000))
        {
            var result = await sink.WriteAsync(batch, Token);
            Assert.Empty(result.Rejected);
        }

        // 20:00 plus 14,400 one-second steps reaches midnight.
        string day1 = target.Prefix + "-2024.03.09", day2 = target.Prefix + "-2024.03.10";
        Assert.Equal(14_400, await target.CountAsync(day1));
        Assert.Equal(35_600, await target.CountAsync(day2));
        Assert.Equal(50_000, await target.CountAsync(target.Prefix + "-*"));
        foreach (int n in new[] { 0, 14_399, 14_400, 49_999 })
        {
            var e = events[n];
            var stored = await target.GetDocumentAsync(n < 14_400 ? day1 : day2, $"app-logs-{n % 4}-{n / 4}");
            Assert.NotNull(stored);
            Assert.Equal(n, stored["n"]!.GetValue<int>());
            Assert.Equal(e.Fields["@timestamp"]!.GetValue<string>(), stored["@timestamp"]!.GetValue<string>());
            Assert.False(stored.ContainsKey("@metadata"));
        }

        if (target.Server is { } server)
        {
            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in events)
                expected.Add(e.Source.DocumentId);
            var ids = new HashSet<string>(server.Documents(day1).Keys, StringComparer.Ordinal);
            ids.UnionWith(server.Documents(day2).Keys);
            Assert.True(expected.SetEquals(ids));
            int sent = 0;
            foreach (var request in server.BulkRequests)
            {
                Assert.InRange(request.Items.Count, 1, 1000);
                sent += request.Items.Count;
            }
            Assert.Equal(50_000, sent); // each event sent once
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Throttled_items_are_retried_alone_until_stored(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer();
        server.FailItems(item => item.Source!["n"]!.GetValue<int>() % 10 == 3, 429, "es_rejected_execution_exception", "rejected execution of coordinating operation", times: 100);
        server.FailItems(item => item.Source!["n"]!.GetValue<int>() == 7, 503, "unavailable_shards_exception", "primary shard is not active", times: 2);
        var events = EventBatches.Make(1000);
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix }));

        var result = await sink.WriteAsync(events, Token);

        Assert.Empty(result.Rejected);
        Assert.Equal(1000, await target.CountAsync(target.Prefix));
        var requests = server.BulkRequests;
        Assert.Equal(3, requests.Count);
        Assert.Equal(1000, requests[0].Items.Count);
        var resent = new List<int>();
        foreach (var item in requests[1].Items)
            resent.Add(item.Source!["n"]!.GetValue<int>());
        var expected = new List<int> { 7 };
        for (int n = 3; n < 1000; n += 10)
            expected.Add(n);
        expected.Sort();
        Assert.Equal(expected, resent);
        Assert.Single(requests[2].Items);
        Assert.Equal("app-logs-3-1", requests[2].Items[0].Id);
        Assert.Equal(102, sink.Statistics.RetriedItems);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Mapping_errors_come_back_as_rejections_with_type_and_reason(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix);
        // A real cluster refuses a string in a long field; the test server is told to answer the same way.
        await target.PutAsync(target.Prefix, new JsonObject { ["mappings"] = new JsonObject { ["properties"] = new JsonObject { ["status"] = new JsonObject { ["type"] = "long" } } } });
        target.Server?.FailItems(item => item.Source!["status"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String,
            400, "document_parsing_exception", "[1:42] failed to parse field [status] of type [long]");
        var events = EventBatches.Make(300, shape: (n, e) => e.Fields["status"] = n % 100 == 7 ? JsonValue.Create("not-a-number") : JsonValue.Create(200));
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix }));

        var result = await sink.WriteAsync(events, Token);

        Assert.Equal([7, 107, 207], [.. result.Rejected.Select(r => r.Index)]);
        foreach (var rejection in result.Rejected)
        {
            Assert.Contains("parsing_exception", rejection.ErrorType, StringComparison.Ordinal);
            Assert.Contains("status", rejection.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(297, await target.CountAsync(target.Prefix));
        Assert.Equal(3, sink.Statistics.Rejected);
        if (target.Server is { } server)
            Assert.Single(server.BulkRequests); // rejections are final, not retried
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Retried_batch_leaves_no_duplicate_documents(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix);
        var events = EventBatches.Make(2000);
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix }));

        Assert.Empty((await sink.WriteAsync(events, Token)).Rejected);
        // As after a crash before the offsets were committed: the same records come again.
        Assert.Empty((await sink.WriteAsync(events, Token)).Rejected);

        Assert.Equal(2000, await target.CountAsync(target.Prefix));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Conflict_on_create_with_our_id_counts_as_delivered(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        string stream = $"logs-{target.Prefix}-default";
        target.CleanupLater("_data_stream/" + stream);
        target.CleanupLater("_index_template/" + target.Prefix);
        var events = EventBatches.Make(500);
        await using var sink = CreateSink(target.Settings(new()
        {
            ["data_stream"] = true,
            ["data_stream.dataset"] = target.Prefix,
            ["template.create"] = true,
            ["template.name"] = target.Prefix,
        }));
        await sink.StartAsync(Token);

        Assert.Empty((await sink.WriteAsync(events, Token)).Rejected);
        var again = await sink.WriteAsync(events, Token);

        Assert.Empty(again.Rejected);
        Assert.Equal(500, sink.Statistics.AlreadyIndexed);
        Assert.Equal(500, await target.CountAsync(stream));
        if (target.Server is { } server)
        {
            foreach (var request in server.BulkRequests)
                foreach (var item in request.Items)
                {
                    Assert.Equal("create", item.Action);
                    Assert.Equal(stream, item.Index);
                }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Whole_request_failures_are_retried_then_reported_unavailable_then_recover(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer();
        var events = EventBatches.Make(200);
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["request.retries"] = 3 }));

        foreach (var fault in new[] { RequestFaultKind.Unavailable, RequestFaultKind.TooManyRequests, RequestFaultKind.Drop })
        {
            server.FailRequests(fault, 3);
            Assert.Empty((await sink.WriteAsync(events, Token)).Rejected);
        }
        Assert.Equal(12, server.RequestLog.Count(r => r.Contains("_bulk", StringComparison.Ordinal)));

        server.FailRequests(RequestFaultKind.Unavailable, 4);
        var error = await Assert.ThrowsAsync<SinkUnavailableException>(async () => await sink.WriteAsync(events, Token));
        Assert.Contains("503", error.Message, StringComparison.Ordinal);

        // The runtime retries the batch later: the cluster is back.
        Assert.Empty((await sink.WriteAsync(events, Token)).Rejected);
        Assert.Equal(200, await target.CountAsync(target.Prefix));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_request_slower_than_the_timeout_is_retried(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer();
        server.FailRequests(RequestFaultKind.Delay, 1, delay: TimeSpan.FromSeconds(5));
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["request.timeout.ms"] = 300, ["node.cooldown.ms"] = 0 }));

        Assert.Empty((await sink.WriteAsync(EventBatches.Make(10), Token)).Rejected);
        Assert.Equal(1, sink.Connection.RequestFailures);
        Assert.Equal(10, await target.CountAsync(target.Prefix));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Item_retries_give_up_after_max_retries(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer();
        server.FailItems(item => item.Source!["n"]!.GetValue<int>() == 5, 429, "es_rejected_execution_exception", "queue full");
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["max.retries"] = 2 }));

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(async () => await sink.WriteAsync(EventBatches.Make(20), Token));

        Assert.Contains("after 2 retries", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.BulkRequests.Count);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Requests_rotate_over_nodes_and_a_dead_node_is_skipped(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var first = target.RequireTestServer("several nodes");
        await using var second = await ElasticsearchTestServer.StartAsync();
        var dead = new Uri($"http://127.0.0.1:{ClosedPort()}/");
        var settings = target.Settings(new()
        {
            ["index"] = target.Prefix,
            ["batch.size"] = 100,
            ["max.in.flight.requests"] = 1,
            ["node.cooldown.ms"] = 600_000,
        });
        settings["hosts"] = new JsonArray(first.Url.AbsoluteUri, dead.AbsoluteUri, second.Url.AbsoluteUri);
        await using var sink = CreateSink(settings);

        Assert.Empty((await sink.WriteAsync(EventBatches.Make(1000), Token)).Rejected);

        int onFirst = first.BulkRequests.Count, onSecond = second.BulkRequests.Count;
        Assert.Equal(10, onFirst + onSecond); // no body sent twice
        Assert.InRange(onFirst, 4, 6);
        Assert.InRange(onSecond, 4, 6);
        Assert.Equal(1000, first.Count(target.Prefix) + second.Count(target.Prefix));
        Assert.Equal(0, sink.Connection.RequestFailures); // the client failed over to a live node at once
        var deadNode = Assert.Single(sink.Connection.Nodes.Nodes, n => n.Uri.Port == dead.Port);
        Assert.False(deadNode.IsAlive);
        Assert.Equal(1, deadNode.FailedAttempts); // tried once, then skipped while cooling down
        Assert.True(deadNode.DeadUntil > DateTimeOffset.UtcNow.AddMinutes(5), $"dead until {deadNode.DeadUntil}");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_node_is_pinged_after_its_cool_down_and_then_used_again(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var first = target.RequireTestServer("several nodes");
        await using var second = await ElasticsearchTestServer.StartAsync();
        first.FailRequests(RequestFaultKind.Unavailable, 1);
        var settings = target.Settings(new() { ["index"] = target.Prefix, ["batch.size"] = 10, ["max.in.flight.requests"] = 1, ["node.cooldown.ms"] = 100 });
        settings["hosts"] = new JsonArray(first.Url.AbsoluteUri, second.Url.AbsoluteUri);
        await using var sink = CreateSink(settings);

        int written = 0;
        await Poll.UntilAsync(async () =>
        {
            Assert.Empty((await sink.WriteAsync(EventBatches.Make(10, topic: $"batch{written}"), Token)).Rejected);
            written += 10;
            return first.BulkRequests.Count > 0;
        }, TimeSpan.FromSeconds(30), () => "the first node is used again");

        var log = first.RequestLog.ToList();
        int failed = log.IndexOf("POST /_bulk"), ping = log.LastIndexOf("HEAD /"), stored = log.LastIndexOf("POST /_bulk");
        Assert.True(failed >= 0 && failed < ping && ping < stored, string.Join(", ", log)); // 503, rest, ping, bulk
        Assert.Equal(written, first.Count(target.Prefix) + second.Count(target.Prefix));
        Assert.Equal(0, sink.Connection.RequestFailures);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Sniffing_finds_the_data_nodes_and_spreads_requests_over_them(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var seed = target.RequireTestServer("several nodes");
        await using var other = await ElasticsearchTestServer.StartAsync();
        await using var masterOnly = await ElasticsearchTestServer.StartAsync();
        ClusterNode[] cluster = [new(seed.Url, ["master", "data"]), new(other.Url, ["data", "ingest"]), new(masterOnly.Url, ["master"])];
        foreach (var server in new[] { seed, other, masterOnly })
            server.ClusterNodes = cluster;
        var settings = target.Settings(new() { ["index"] = target.Prefix, ["batch.size"] = 100, ["max.in.flight.requests"] = 1, ["sniffing"] = true });
        await using var sink = CreateSink(settings); // hosts: the seed node only
        await sink.StartAsync(Token);

        Assert.Empty((await sink.WriteAsync(EventBatches.Make(1000), Token)).Rejected);

        Assert.Contains("GET /_nodes/http,settings", seed.RequestLog);
        Assert.Equal(3, sink.Connection.Nodes.Nodes.Count);
        Assert.InRange(seed.BulkRequests.Count, 3, 7);
        Assert.InRange(other.BulkRequests.Count, 3, 7);
        Assert.Empty(masterOnly.BulkRequests); // a master-only node holds no data: the client sends it no bulk
        Assert.Equal(1000, seed.Count(target.Prefix) + other.Count(target.Prefix));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_server_that_does_not_say_it_is_Elasticsearch_is_refused(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer("a server that is not Elasticsearch");
        server.ProductHeader = false;
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["request.retries"] = 0 }));

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(async () => await sink.StartAsync(Token));

        Assert.Contains("not Elasticsearch", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.BulkRequests);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Basic_auth_and_api_key_are_sent(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer("checking the Authorization header");

        server.RequireBasicAuth("elastic", "s3cret");
        await using (var wrong = CreateSink(target.Settings(new() { ["username"] = "elastic", ["password"] = "nope" })))
            await Assert.ThrowsAsync<SinkUnavailableException>(async () => await wrong.StartAsync(Token));
        await using (var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["username"] = "elastic", ["password"] = "s3cret" })))
        {
            await sink.StartAsync(Token);
            Assert.Empty((await sink.WriteAsync(EventBatches.Make(5), Token)).Rejected);
        }
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("elastic:s3cret")), server.BulkRequests[^1].Authorization);

        string encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"));
        server.RequireApiKey(encoded);
        await using (var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["api_key"] = "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw" })))
        {
            await sink.StartAsync(Token);
            Assert.Empty((await sink.WriteAsync(EventBatches.Make(5), Token)).Rejected);
        }
        Assert.Equal("ApiKey " + encoded, server.BulkRequests[^1].Authorization);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Gzip_bodies_are_accepted(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix);
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["compression"] = "gzip" }));

        Assert.Empty((await sink.WriteAsync(EventBatches.Make(3000), Token)).Rejected);

        Assert.Equal(3000, await target.CountAsync(target.Prefix));
        if (target.Server is { } server)
            Assert.All(server.BulkRequests, r => Assert.True(r.Gzip));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Index_template_is_created_once(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater("_index_template/" + target.Prefix);
        var settings = target.Settings(new() { ["index"] = target.Prefix + "-%{+yyyy.MM.dd}", ["template.create"] = true, ["template.name"] = target.Prefix });
        await using (var sink = CreateSink(settings))
            await sink.StartAsync(Token);
        await using (var sink = CreateSink(settings))
            await sink.StartAsync(Token);

        var template = await target.GetTemplateAsync(target.Prefix);
        Assert.NotNull(template);
        Assert.Equal(target.Prefix + "-*", template["index_patterns"]![0]!.GetValue<string>());
        var properties = template["template"]!["mappings"]!["properties"]!;
        Assert.Equal("date", properties["@timestamp"]!["type"]!.GetValue<string>());
        Assert.Equal("text", properties["message"]!["type"]!.GetValue<string>());
        Assert.Equal("keyword", properties["log"]!["properties"]!["level"]!["type"]!.GetValue<string>());
        Assert.Equal("keyword", properties["service"]!["properties"]!["name"]!["type"]!.GetValue<string>());
        if (target.Server is { } server)
        {
            Assert.Single(server.RequestLog, r => r == "PUT /_index_template/" + target.Prefix);
            Assert.Equal(2, server.RequestLog.Count(r => r == "GET /"));
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Index_and_document_id_come_from_event_fields(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix + "-*");
        var events = EventBatches.Make(30, shape: (n, e) =>
        {
            e.Fields["request_id"] = $"req-{n}";
            if (n == 29)
                e.Fields.Remove("service");
            else
                e.Set("service.name", n % 2 == 0 ? "Checkout" : "billing");
        });
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix + "-%{service.name}-%{+yyyy.MM}", ["document_id"] = "%{request_id}" }));

        var result = await sink.WriteAsync(events, Token);

        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(29, rejection.Index);
        Assert.Equal("index_name_unresolved", rejection.ErrorType);
        Assert.Equal(15, await target.CountAsync(target.Prefix + "-checkout-2024.03"));
        Assert.Equal(14, await target.CountAsync(target.Prefix + "-billing-2024.03"));
        var stored = await target.GetDocumentAsync(target.Prefix + "-checkout-2024.03", "req-4");
        Assert.Equal(4, stored!["n"]!.GetValue<int>());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Document_id_none_lets_the_cluster_assign_ids(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix);
        await using var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["document_id"] = "none" }));

        Assert.Empty((await sink.WriteAsync(EventBatches.Make(100), Token)).Rejected);
        Assert.Empty((await sink.WriteAsync(EventBatches.Make(100), Token)).Rejected);

        Assert.Equal(200, await target.CountAsync(target.Prefix)); // not idempotent, as documented
        if (target.Server is { } server)
            Assert.All(server.BulkRequests[0].Items, item => Assert.Null(item.Id));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Bodies_are_bounded_by_event_count_and_bytes(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer("inspecting request bodies");
        var events = EventBatches.Make(1000);
        await using (var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix, ["batch.size"] = 300 })))
            Assert.Empty((await sink.WriteAsync(events, Token)).Rejected);
        Assert.Equal([100, 300, 300, 300], [.. server.BulkRequests.Select(r => r.Items.Count).Order()]); // two in flight: any order

        await using (var sink = CreateSink(target.Settings(new() { ["index"] = target.Prefix + "b", ["batch.max.bytes"] = 8192, ["max.in.flight.requests"] = 4 })))
            Assert.Empty((await sink.WriteAsync(events, Token)).Rejected);
        var small = server.BulkRequests.Skip(4).ToList();
        Assert.True(small.Count >= 20, $"{small.Count} requests");
        Assert.All(small, r => Assert.InRange(r.BodyBytes, 1, 8192));
        var offsets = small.SelectMany(r => r.Items).Select(i => i.Source!["n"]!.GetValue<int>()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 1000), offsets);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
