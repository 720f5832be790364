using System.Text.Json.Nodes;
using Xunit;

namespace IngestHub.Server.Tests;

public sealed class MetricsEndpointTests(ApplianceFixture app)
{
    private async Task<PrometheusDocument> ScrapeAsync()
    {
        using var response = await app.Http.GetAsync("metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType!.ToString());
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Consumer_group_series_equal_the_api()
    {
        var metrics = await ScrapeAsync();
        var group = (await app.GetJsonAsync("api/groups")).AsArray().Single(g => (string)g!["group"]! == app.Group)!;
        (string, string) cg = ("consumergroup", app.Group), topic = ("topic", app.Topic);
        foreach (var row in group["partitions"]!.AsArray())
        {
            var partition = ("partition", ((int)row!["partition"]!).ToString());
            Assert.Equal((long)row["lag"]!, metrics.Value("kafka_consumergroup_lag", cg, topic, partition));
            Assert.Equal((long)row["committed_offset"]!, metrics.Value("kafka_consumergroup_current_offset", cg, topic, partition));
        }
        Assert.Equal((long)group["total_lag"]!, metrics.Value("kafka_consumergroup_lag_sum", cg, topic));
        Assert.Equal(group["members"]!.AsArray().Count, metrics.Value("kafka_consumergroup_members", cg));
        Assert.Equal(30, metrics.Value("kafka_consumergroup_lag_sum", cg, topic));
        Assert.Equal(1, metrics.Named("ingesthub_consumergroup_status").Where(s => s.Has(cg)).Sum(s => s.Value));
    }

    [Fact]
    public async Task Topic_series_equal_the_api()
    {
        var metrics = await ScrapeAsync();
        var topic = (await app.GetJsonAsync("api/topics")).AsArray().Single(t => (string)t!["name"]! == app.Topic)!;
        Assert.Equal(3, metrics.Value("kafka_topic_partitions", ("topic", app.Topic)));
        foreach (var p in topic["partitions"]!.AsArray())
        {
            var labels = new[] { ("topic", app.Topic), ("partition", ((int)p!["partition"]!).ToString()) };
            Assert.Equal((long)p["log_end_offset"]!, metrics.Value("kafka_topic_partition_current_offset", labels));
            Assert.Equal((long)p["log_start_offset"]!, metrics.Value("kafka_topic_partition_oldest_offset", labels));
        }
        Assert.Equal("gauge", metrics.Types["kafka_consumergroup_lag"]);
    }

    [Fact]
    public async Task Broker_request_counters_and_latency_histograms_are_consistent()
    {
        var metrics = await ScrapeAsync();
        Assert.Equal("counter", metrics.Types["ingesthub_broker_requests_total"]);
        Assert.Equal("histogram", metrics.Types["ingesthub_broker_request_duration_seconds"]);
        foreach (string api in new[] { "Produce", "Fetch", "OffsetCommit", "JoinGroup" })
        {
            double requests = metrics.Value("ingesthub_broker_requests_total", ("api", api));
            Assert.True(requests > 0, api);
            var buckets = metrics.Named("ingesthub_broker_request_duration_seconds_bucket").Where(s => s.Has(("api", api))).ToList();
            for (int i = 1; i < buckets.Count; i++)
                Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{api} buckets are cumulative");
            Assert.Equal("+Inf", buckets[^1].Labels["le"]);
            double count = metrics.Value("ingesthub_broker_request_duration_seconds_count", ("api", api));
            Assert.Equal(count, buckets[^1].Value);
            Assert.True(count >= requests - 1 && count <= requests + 1);
        }
        Assert.Equal(ApplianceFixture.Produced.Sum(), metrics.Value("ingesthub_broker_produced_records_total", ("topic", app.Topic)));
        Assert.True(metrics.Value("ingesthub_broker_fetched_records_total", ("topic", app.Topic)) >= ApplianceFixture.Committed.Sum());
    }
}
