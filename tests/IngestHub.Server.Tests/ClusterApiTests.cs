using System.Text.Json.Nodes;
using Xunit;

namespace IngestHub.Server.Tests;

/// <summary><c>/api/cluster</c> and the cluster series of <c>/metrics</c> in the single-process default: one broker, itself
/// the controller, the leader and only in-sync replica of every partition, nothing under-replicated.</summary>
public sealed class ClusterApiTests(ApplianceFixture app)
{
    [Fact]
    public async Task Single_process_api_lists_this_broker_as_only_broker_and_controller_and_every_partition_fully_in_sync()
    {
        int node = app.Broker.Identity.NodeId;
        var cluster = await app.GetJsonAsync("api/cluster");
        Assert.Equal("single", (string)cluster["mode"]!);
        Assert.Equal(node, (int)cluster["node_id"]!);
        Assert.Equal(node, (int)cluster["controller_id"]!);
        var broker = Assert.Single(cluster["brokers"]!.AsArray())!;
        Assert.Equal(node, (int)broker["id"]!);
        Assert.Equal(app.Broker.AdvertisedHost, (string)broker["host"]!);
        Assert.Equal(app.Broker.AdvertisedPort, (int)broker["port"]!);
        Assert.True((bool)broker["controller"]!);
        Assert.Equal(0, (int)cluster["under_replicated_partitions"]!);

        var partitions = cluster["partitions"]!.AsArray().Where(p => (string)p!["topic"]! == app.Topic).ToList();
        Assert.Equal([0, 1, 2], partitions.Select(p => (int)p!["partition"]!));
        foreach (var p in partitions)
        {
            Assert.Equal(node, (int)p!["leader"]!);
            Assert.Equal([node], p["replicas"]!.AsArray().Select(r => (int)r!));
            Assert.Equal([node], p["isr"]!.AsArray().Select(r => (int)r!));
            Assert.False((bool)p["under_replicated"]!);
        }
        int topicCount = app.Broker.Topics.Topics.Sum(t => t.Partitions.Count);
        Assert.Equal(topicCount, (int)cluster["partition_count"]!);
    }

    [Fact]
    public async Task Single_process_metrics_show_one_broker_this_controller_and_equal_the_api()
    {
        using var response = await app.Http.GetAsync("metrics");
        response.EnsureSuccessStatusCode();
        var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        var cluster = await app.GetJsonAsync("api/cluster");
        int node = app.Broker.Identity.NodeId;

        Assert.Equal(1, metrics.Value("kafka_brokers"));
        Assert.Equal(node, metrics.Value("ingesthub_cluster_node_id"));
        Assert.Equal(node, metrics.Value("ingesthub_cluster_controller_id"));
        Assert.Equal(1, metrics.Value("ingesthub_cluster_controller_active"));
        Assert.Equal(0, metrics.Value("ingesthub_cluster_under_replicated_partitions"));
        foreach (string family in new[] { "kafka_brokers", "kafka_topic_partition_leader", "kafka_topic_partition_replicas",
                     "kafka_topic_partition_in_sync_replica", "kafka_topic_partition_under_replicated_partition" })
            Assert.Equal("gauge", metrics.Types[family]);

        foreach (var p in cluster["partitions"]!.AsArray())
        {
            var labels = new[] { ("topic", (string)p!["topic"]!), ("partition", ((int)p["partition"]!).ToString()) };
            Assert.Equal((int)p["leader"]!, metrics.Value("kafka_topic_partition_leader", labels));
            Assert.Equal(p["replicas"]!.AsArray().Count, metrics.Value("kafka_topic_partition_replicas", labels));
            Assert.Equal(p["isr"]!.AsArray().Count, metrics.Value("kafka_topic_partition_in_sync_replica", labels));
            Assert.Equal((bool)p["under_replicated"]! ? 1 : 0, metrics.Value("kafka_topic_partition_under_replicated_partition", labels));
        }
        var mine = metrics.Named("kafka_topic_partition_in_sync_replica").Where(s => s.Has(("topic", app.Topic))).ToList();
        Assert.Equal(3, mine.Count);
        Assert.All(mine, s => Assert.Equal(1, s.Value));
    }
}
