using System.Globalization;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using IngestHub.Autoscaler.Tests;
using Microsoft.Playwright;
using Xunit;

namespace IngestHub.Cluster.Tests;

/// <summary>
/// Three brokers and etcd on loopback: <c>/metrics</c> and <c>/api/cluster</c> of each appliance report the registered
/// brokers, one controller, and a SIGSTOPped follower's partition as under-replicated until it is resumed; the
/// dashboard's Cluster page (Debian's Chromium) highlights that partition meanwhile.
/// </summary>
public sealed class ClusterMetricsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Metrics_api_and_dashboard_show_a_stopped_follower_s_partition_as_under_replicated_and_in_sync_again_once_it_resumes()
    {
        // A long session: the stopped broker stays registered, so the leader's lag check is what removes it from the ISR.
        await using var cluster = await BrokerCluster.StartAsync(replicaLagTimeMaxMs: 2000, sessionTimeoutSeconds: 60);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        const string topic = "observed";
        await cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 3, []);
        var state = cluster.Partition(topic, 0)!;
        int leader = state.Leader;
        int stopped = state.Replicas.First(r => r != leader);
        var leaderNode = cluster.Node(leader);
        (string, string)[] labels = [("topic", topic), ("partition", "0")];

        // Every broker sees the three brokers and the same single controller.
        await Poll.UntilAsync(async () =>
        {
            var scrapes = await Task.WhenAll(cluster.Brokers.Select(b => ScrapeAsync(http, b)));
            return scrapes.All(s => s is not null && Value(s, "kafka_brokers") == 3 && Value(s, "kafka_topic_partition_in_sync_replica", labels) == 3)
                && scrapes.Sum(s => Value(s!, "ingesthub_cluster_controller_active")) == 1
                && scrapes.Select(s => Value(s!, "ingesthub_cluster_controller_id")).Distinct().Count() == 1;
        }, Deadline, () => "the brokers did not agree on three brokers, one controller and a full ISR");
        var full = (await ScrapeAsync(http, leaderNode))!;
        Assert.Equal(0, Value(full, "kafka_topic_partition_under_replicated_partition", labels));
        Assert.Equal(3, Value(full, "kafka_topic_partition_replicas", labels));
        Assert.Equal(leader, Value(full, "kafka_topic_partition_leader", labels));

        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.Bootstrap, Acks = Acks.All }).Build())
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "before the stop" });

        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.OpenAsync(leaderNode.HttpBase, "#/cluster");
        string row = $"#cluster-partitions-table tr[data-topic='{topic}'][data-partition='0']";
        await page.Locator(row).WaitForAsync();
        Assert.Equal(3, await page.Locator("#brokers-table tbody tr").CountAsync());
        Assert.Equal(1, await page.Locator("#brokers-table td.role .pill").CountAsync());

        string last = "";
        try
        {
            Assert.True((await BrokerCluster.SignalAsync(cluster.Node(stopped), "STOP")).Succeeded);
            await Poll.UntilAsync(async () =>
            {
                var s = await ScrapeAsync(http, leaderNode);
                last = s ?? "(no answer)";
                return s is not null && Value(s, "kafka_topic_partition_under_replicated_partition", labels) == 1
                    && Value(s, "kafka_topic_partition_in_sync_replica", labels) == 2;
            }, Deadline, () => $"the leader's /metrics did not show {topic}-0 under-replicated with 2 in sync:\n{Lines(last, topic)}");
            var stoppedState = (await ScrapeAsync(http, leaderNode))!;
            Assert.Equal(3, Value(stoppedState, "kafka_topic_partition_replicas", labels));
            Assert.Equal(3, Value(stoppedState, "kafka_brokers"));
            Assert.True(Value(stoppedState, "ingesthub_cluster_under_replicated_partitions") >= 1);

            var api = JsonNode.Parse(await http.GetStringAsync(new Uri(leaderNode.HttpBase, "api/cluster")))!;
            Assert.Equal("cluster", (string)api["mode"]!);
            Assert.Equal([1, 2, 3], api["brokers"]!.AsArray().Select(b => (int)b!["id"]!));
            var partition = api["partitions"]!.AsArray().Single(p => (string)p!["topic"]! == topic)!;
            Assert.True((bool)partition["under_replicated"]!);
            Assert.Equal(leader, (int)partition["leader"]!);
            Assert.DoesNotContain(stopped, partition["isr"]!.AsArray().Select(r => (int)r!));
            Assert.True((int)api["under_replicated_partitions"]! >= 1);

            // The page refreshes itself every few seconds: the row turns highlighted and the banner names the partition.
            await page.Locator(row + ".under-replicated").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            Assert.Contains($"{topic}-0", await page.Locator("#under-replicated-banner").InnerTextAsync());
            Assert.Equal("UNDER_REPLICATED", (await page.Locator(row + " td.status").InnerTextAsync()).Trim());
            Assert.DoesNotContain(stopped.ToString(CultureInfo.InvariantCulture), (await page.Locator(row + " td.isr").InnerTextAsync()).Split(", "));
            await DashboardBrowser.ShotAsync(page, "cluster-under-replicated");
        }
        finally
        {
            await BrokerCluster.SignalAsync(cluster.Node(stopped), "CONT");
        }
        await Poll.UntilAsync(async () =>
        {
            var s = await ScrapeAsync(http, leaderNode);
            last = s ?? "(no answer)";
            return s is not null && Value(s, "kafka_topic_partition_under_replicated_partition", labels) == 0
                && Value(s, "kafka_topic_partition_in_sync_replica", labels) == 3;
        }, Deadline, () => $"the leader's /metrics did not show {topic}-0 back in sync with 3:\n{Lines(last, topic)}");
        await page.Locator(row + ":not(.under-replicated)").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal("OK", (await page.Locator(row + " td.status").InnerTextAsync()).Trim());
    }

    private static async Task<string?> ScrapeAsync(HttpClient http, ApplianceProcess broker)
    {
        try
        {
            return await http.GetStringAsync(new Uri(broker.HttpBase, "metrics"));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The value of the sample with exactly these labels (in the order the appliance writes them); NaN when absent.</summary>
    private static double Value(string metrics, string name, params (string Name, string Value)[] labels)
    {
        string prefix = name + (labels.Length == 0 ? " " : "{" + string.Join(',', labels.Select(l => $"{l.Name}=\"{l.Value}\"")) + "} ");
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return double.Parse(line.AsSpan(prefix.Length).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return double.NaN;
    }

    private static string Lines(string metrics, string topic) =>
        string.Join('\n', metrics.Split('\n').Where(l => l.Contains($"topic=\"{topic}\"", StringComparison.Ordinal) || l.StartsWith("kafka_brokers", StringComparison.Ordinal)));
}
