using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Connectors.Elasticsearch.Tests.TestServer;
using IngestHub.Testing;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

/// <summary>
/// Connectors end to end into Elasticsearch: records produced to the appliance's broker flow through a pipeline
/// (consumer-group workers, json codec, date filter) into the Elasticsearch sink, with offsets committed only after
/// the documents are stored. Each test runs against the Elasticsearch test server and, when
/// <c>INGESTHUB_TEST_ELASTICSEARCH_URL</c> is set, a real Elasticsearch (fault injection skips there).
/// </summary>
public sealed class ElasticsearchPipelineTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // Event n happens at Start + 2n seconds: 7,200 events on the first day, the rest on the second.
    private static readonly DateTimeOffset Start = new(2024, 3, 9, 20, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Targets => [ElasticsearchTarget.TestServerKind, ElasticsearchTarget.RealKind];

    private static DateTimeOffset TimeOf(int n) => Start.AddSeconds(2.0 * n);

    private static string Event(int n, string? status = null) =>
        $"{{\"n\":{n},\"message\":\"GET /orders/{n} 200\",\"ts\":\"{TimeOf(n).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}\"{(status is null ? "" : $",\"status\":{status}")}}}";

    private static JsonObject Definition(ElasticsearchTarget target, string topic, string index, int workers, int batch = 500, string tolerance = "none")
    {
        var output = target.Settings(new JsonObject { ["index"] = index });
        output["type"] = "elasticsearch";
        output["batch.size"] = batch;
        output["linger.ms"] = 20;
        return new JsonObject
        {
            ["input"] = new JsonObject { ["topics"] = new JsonArray(topic), ["workers"] = workers, ["start"] = "earliest" },
            ["codec"] = "json",
            ["filters"] = new JsonArray(new JsonObject { ["date"] = new JsonObject { ["match"] = new JsonArray("ts", "ISO8601") } }),
            ["output"] = output,
            ["errors"] = new JsonObject { ["tolerance"] = tolerance },
        };
    }

    private static async Task CreateTopicAsync(ApplianceHost appliance, string topic, int partitions)
    {
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap });
        await admin.CreateTopicAsync(topic, partitions);
    }

    /// <summary>Creates the connector and waits until its workers share all partitions, so the run that follows
    /// sees no startup rebalance.</summary>
    private static async Task StartConnectorAsync(ApplianceHost appliance, string name, JsonObject config, int workers, int partitions)
    {
        using (var response = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = config }))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await Poll.UntilAsync(async () =>
        {
            var tasks = (await appliance.GetJsonAsync($"connectors/{name}/status"))["tasks"]!.AsArray();
            return tasks.Count == workers && tasks.All(t => t!["partitions"]!.AsArray().Count > 0)
                && tasks.Sum(t => t!["partitions"]!.AsArray().Count) == partitions;
        }, Deadline, () => $"{workers} workers share {partitions} partitions");
    }

    /// <summary>Produces events <paramref name="from"/>..; returns n → expected document id (topic-partition-offset).</summary>
    private static async Task<Dictionary<int, string>> ProduceAsync(ApplianceHost appliance, string topic, int from, int count, Func<int, string>? value = null)
    {
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = appliance.Bootstrap, LingerMs = 5, BatchSize = 64 * 1024 });
        var pending = new Task<DeliveryResult>[count];
        for (int i = 0; i < count; i++)
        {
            int n = from + i;
            pending[i] = producer.ProduceAsync(topic, Encoding.UTF8.GetBytes("k" + n), Encoding.UTF8.GetBytes(value?.Invoke(n) ?? Event(n)));
        }
        var delivered = await Task.WhenAll(pending);
        var ids = new Dictionary<int, string>(count);
        for (int i = 0; i < count; i++)
            ids[from + i] = $"{topic}-{delivered[i].Partition}-{delivered[i].Offset}";
        return ids;
    }

    private static async Task<List<(string Index, string Id)>> DocumentIdsAsync(ElasticsearchTarget target, string prefix)
    {
        if (target.Server is not { } server)
            return await target.DocumentIdsAsync(prefix + "*");
        var ids = new List<(string, string)>();
        foreach (var index in server.IndexNames)
            if (index.StartsWith(prefix, StringComparison.Ordinal))
                foreach (var id in server.Documents(index).Keys)
                    ids.Add((index, id));
        return ids;
    }

    private static void AssertEachOnceWhereExpected(Dictionary<int, string> produced, Func<int, string> indexOf, List<(string Index, string Id)> stored)
    {
        Assert.Equal(produced.Count, stored.Count);
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (index, id) in stored)
            Assert.True(byId.TryAdd(id, index), $"document {id} is stored twice");
        foreach (var (n, id) in produced)
        {
            Assert.True(byId.TryGetValue(id, out var index), $"event {n} ({id}) is missing");
            Assert.Equal(indexOf(n), index);
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Fifty_thousand_events_through_four_workers_arrive_once_under_source_ids_in_daily_indices(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix + "-*");
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "web", 4);
        var produced = await ProduceAsync(appliance, "web", 0, 50_000);
        string day1 = target.Prefix + "-2024.03.09", day2 = target.Prefix + "-2024.03.10";
        await StartConnectorAsync(appliance, "web-to-es", Definition(target, "web", target.Prefix + "-%{+yyyy.MM.dd}", workers: 4), 4, 4);

        await Poll.UntilAsync(async () => await target.CountAsync(target.Prefix + "-*") >= 50_000, Deadline,
            () => $"{target.CountAsync(target.Prefix + "-*").Result} of 50000 indexed");

        AssertEachOnceWhereExpected(produced, n => n < 7_200 ? day1 : day2, await DocumentIdsAsync(target, target.Prefix + "-"));
        Assert.Equal(7_200, await target.CountAsync(day1));
        Assert.Equal(42_800, await target.CountAsync(day2));
        var stored = await target.GetDocumentAsync(day2, produced[49_999]);
        Assert.NotNull(stored);
        Assert.Equal(49_999, stored["n"]!.GetValue<int>());
        Assert.Equal(TimeOf(49_999), DateTimeOffset.Parse(stored["@timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.False(stored.ContainsKey("@metadata"));
        var status = await appliance.GetJsonAsync("connectors/web-to-es/status");
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
        Assert.Equal(0, status["counters"]!["dead_lettered"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Throttled_items_are_retried_alone_and_every_event_is_stored_once(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer();
        var throttled = new HashSet<string>(StringComparer.Ordinal); // read under the server's fault lock
        server.FailItems(item => item.Source!["n"]!.GetValue<int>() % 10 == 0 && throttled.Add(item.Id!),
            429, "es_rejected_execution_exception", "rejected execution of coordinating operation");
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "orders", 4);
        await StartConnectorAsync(appliance, "orders-to-es", Definition(target, "orders", target.Prefix, workers: 2), 2, 4);
        var produced = await ProduceAsync(appliance, "orders", 0, 5_000);

        await Poll.UntilAsync(async () => await target.CountAsync(target.Prefix) >= 5_000, Deadline,
            () => $"{target.CountAsync(target.Prefix).Result} of 5000 indexed");

        AssertEachOnceWhereExpected(produced, _ => target.Prefix, await DocumentIdsAsync(target, target.Prefix));
        var sends = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var request in server.BulkRequests)
            foreach (var item in request.Items)
                sends[item.Id!] = sends.GetValueOrDefault(item.Id!) + 1;
        foreach (var (n, id) in produced)
            Assert.True(sends[id] == (n % 10 == 0 ? 2 : 1), $"event {n} was sent {sends[id]} times");
        Assert.Equal(500, throttled.Count);
        var status = await appliance.GetJsonAsync("connectors/orders-to-es/status");
        Assert.Equal(0, status["counters"]!["dead_lettered"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Mapping_errors_go_to_the_dead_letter_topic_with_the_reason_and_the_rest_is_indexed(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix);
        // A real cluster refuses a string in a long field; the test server is told to answer the same way.
        await target.PutAsync(target.Prefix, new JsonObject { ["mappings"] = new JsonObject { ["properties"] = new JsonObject { ["status"] = new JsonObject { ["type"] = "long" } } } });
        target.Server?.FailItems(item => item.Source!["status"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String,
            400, "document_parsing_exception", "[1:42] failed to parse field [status] of type [long]");
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "mixed", 4);
        await CreateTopicAsync(appliance, "mixed-to-es.dlq", 1);
        await StartConnectorAsync(appliance, "mixed-to-es", Definition(target, "mixed", target.Prefix, workers: 2, tolerance: "all"), 2, 4);
        var produced = await ProduceAsync(appliance, "mixed", 0, 2_000, n => Event(n, n % 100 == 7 ? "\"not-a-number\"" : "200"));

        var letters = new List<ConsumeResult>();
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = appliance.Bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign([new TopicPartition("mixed-to-es.dlq", 0)]);
        await Poll.UntilAsync(async () =>
        {
            if (await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200)) is { } letter)
                letters.Add(letter);
            return letters.Count >= 20;
        }, Deadline, () => $"{letters.Count} of 20 dead letters");
        await Poll.UntilAsync(async () => await target.CountAsync(target.Prefix) >= 1_980, Deadline,
            () => $"{target.CountAsync(target.Prefix).Result} of 1980 indexed");

        var rejected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var letter in letters)
        {
            string Header(string key) => Encoding.UTF8.GetString(letter.Headers.Single(h => h.Key == key).Value!);
            var value = JsonNode.Parse(letter.Value!)!;
            int n = value["n"]!.GetValue<int>();
            Assert.Equal(7, n % 100);
            Assert.Equal("mixed-to-es", Header("ingesthub.errors.connector.name"));
            Assert.Equal("sink", Header("ingesthub.errors.stage"));
            Assert.Contains("parsing_exception", Header("ingesthub.errors.error.type"), StringComparison.Ordinal);
            Assert.Contains("status", Header("ingesthub.errors.exception.message"), StringComparison.Ordinal);
            Assert.Equal(produced[n], $"{Header("ingesthub.errors.topic")}-{Header("ingesthub.errors.partition")}-{Header("ingesthub.errors.offset")}");
            Assert.True(rejected.Add(produced[n]), $"event {n} dead-lettered twice");
        }
        var expected = produced.Where(p => p.Key % 100 != 7).ToDictionary(p => p.Key, p => p.Value);
        AssertEachOnceWhereExpected(expected, _ => target.Prefix, await DocumentIdsAsync(target, target.Prefix));
        var status = await appliance.GetJsonAsync("connectors/mixed-to-es/status");
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
        Assert.Equal(20, status["counters"]!["dead_lettered"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task An_unavailable_cluster_pauses_consumption_shows_in_the_status_and_then_everything_arrives_once(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var server = target.RequireTestServer();
        server.FailRequests(RequestFaultKind.Unavailable, int.MaxValue); // every bulk request: 503
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "outage", 2);
        var definition = Definition(target, "outage", target.Prefix, workers: 1);
        definition["output"]!["request.retries"] = 1;
        await StartConnectorAsync(appliance, "outage-to-es", definition, 1, 2);
        var produced = await ProduceAsync(appliance, "outage", 0, 2_000);

        JsonNode status = new JsonObject();
        await Poll.UntilAsync(async () =>
        {
            status = await appliance.GetJsonAsync("connectors/outage-to-es/status");
            return status["counters"]!["retries"]!.GetValue<long>() >= 2;
        }, Deadline, () => status.ToJsonString());
        string trace = status["connector"]!["trace"]!.GetValue<string>();
        Assert.Contains("sink unavailable", trace, StringComparison.Ordinal);
        Assert.Contains("503", trace, StringComparison.Ordinal);
        Assert.Contains("unavailable_shards_exception", trace, StringComparison.Ordinal); // ES's reason, not just a code
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
        Assert.Equal(0, server.Count(target.Prefix));
        Assert.Equal(0, status["counters"]!["dead_lettered"]!.GetValue<long>()); // an outage loses nothing to the dead-letter topic

        server.ClearFaults();
        await Poll.UntilAsync(() => server.Count(target.Prefix) >= produced.Count, Deadline,
            () => $"{server.Count(target.Prefix)} of {produced.Count} indexed after the outage");
        AssertEachOnceWhereExpected(produced, _ => target.Prefix, await DocumentIdsAsync(target, target.Prefix));
        await Poll.UntilAsync(async () => (await appliance.GetJsonAsync("connectors/outage-to-es/status"))["connector"]!["trace"] is null,
            Deadline, () => "the error clears once the cluster is back");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Restarting_the_appliance_mid_run_leaves_no_event_missing_and_no_duplicate(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        target.CleanupLater(target.Prefix);
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "clicks", 4);
        // Small batches so the run is still going when the appliance stops.
        await StartConnectorAsync(appliance, "clicks-to-es", Definition(target, "clicks", target.Prefix, workers: 2, batch: 100), 2, 4);
        var produced = await ProduceAsync(appliance, "clicks", 0, 30_000);
        await Poll.UntilAsync(async () => await target.CountAsync(target.Prefix) > 1_000, Deadline, () => "the run is under way");

        // RestartAsync in two steps, to see what was stored while the appliance is down.
        await appliance.StopAsync(); // graceful: workers finish their batch, commit, leave
        long atStop = await target.CountAsync(target.Prefix);
        output.WriteLine($"stopped with {atStop} of {produced.Count} indexed");
        Assert.InRange(atStop, 1_001, produced.Count - 1); // the stop really interrupted the run
        await appliance.StartAsync();
        await Poll.UntilAsync(async () => await target.CountAsync(target.Prefix) >= produced.Count, Deadline,
            () => $"{target.CountAsync(target.Prefix).Result} of {produced.Count} indexed after restart");

        AssertEachOnceWhereExpected(produced, _ => target.Prefix, await DocumentIdsAsync(target, target.Prefix));
        if (target.Server is { } server)
        {
            // Ids make a resend harmless, but a graceful stop commits what was stored, so nothing is even resent.
            int sent = server.BulkRequests.Sum(r => r.Items.Count);
            output.WriteLine($"{sent} items sent for {produced.Count} events");
            Assert.Equal(produced.Count, sent);
        }
    }
}
