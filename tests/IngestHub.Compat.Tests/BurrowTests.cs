using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Burrow 1.2.1 (LinkedIn's lag checker, sarama-based, Debian's <c>burrow</c>) against the appliance, unchanged: it
/// follows commits by consuming <c>__consumer_offsets</c> and reports each group's total lag and status over its HTTP
/// API. Burrow needs ZooKeeper (Debian's <c>zookeeper</c>), started here as a child process on a free port.
/// </summary>
public sealed class BurrowTests
{
    private const string BurrowBinary = "/usr/bin/Burrow";
    private const string ZooKeeperJar = "/usr/share/java/zookeeper.jar";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>ZooKeeper's "srvr" answer names its mode once it serves sessions (before that it says it is not
    /// serving requests, and an open port or "ruok" is not enough: sessions opened then are closed).</summary>
    private static async Task<bool> ZooKeeperServes(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(IPAddress.Loopback, port, deadline.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("srvr"u8.ToArray(), deadline.Token);
            using var reader = new StreamReader(stream);
            string answer = await reader.ReadToEndAsync(deadline.Token);
            return answer.Contains("Mode: standalone", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Burrow_reports_a_groups_total_lag_and_status_from_the_offsets_topic()
    {
        if (!File.Exists(BurrowBinary))
            Assert.Skip($"Burrow is not installed ({BurrowBinary}; Debian package burrow)");
        if (!File.Exists(ZooKeeperJar))
            Assert.Skip($"ZooKeeper is not installed ({ZooKeeperJar}; Debian package zookeeper)");

        await using var server = await ServerProcess.StartAsync();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.BootstrapServers }).Build())
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "orders", NumPartitions = 1, ReplicationFactor = 1 }]);
        var produce = await Kcat.RunAsync(["-P", "-b", server.BootstrapServers, "-t", "orders", "-p", "0", "-m", "10"],
            string.Concat(Enumerable.Range(0, 10).Select(i => $"order-{i}\n")), cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe() + server.Output);
        // "lagging" has read 6 of the 10 records and stopped committing; "caught-up" has read them all.
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = server.BootstrapServers, GroupId = "lagging", EnableAutoCommit = false }).Build())
        {
            foreach (long offset in new long[] { 2, 4, 6 })
                consumer.Commit([new TopicPartitionOffset("orders", 0, offset)]);
        }
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = server.BootstrapServers, GroupId = "caught-up", EnableAutoCommit = false }).Build())
            consumer.Commit([new TopicPartitionOffset("orders", 0, 10)]);

        string root = Directory.CreateTempSubdirectory("ingesthub-burrow-").FullName;
        try
        {
            int zkPort = FreePort();
            string zkConfig = Path.Combine(root, "zoo.cfg");
            File.WriteAllText(zkConfig, string.Join('\n',
                "tickTime=2000", $"dataDir={Path.Combine(root, "zookeeper")}", $"clientPort={zkPort}", "clientPortAddress=127.0.0.1",
                "admin.enableServer=false", "4lw.commands.whitelist=srvr", ""));
            await using var zookeeper = BackgroundProcess.Start("java",
                ["-cp", $"/etc/zookeeper/conf:{ZooKeeperJar}", "org.apache.zookeeper.server.ZooKeeperServerMain", zkConfig]);
            await Polling.Eventually(async () => zookeeper.HasExited || await ZooKeeperServes(zkPort), TimeSpan.FromSeconds(60), "ZooKeeper serves");
            Assert.False(zookeeper.HasExited, zookeeper.Describe());

            int httpPort = FreePort();
            string burrowDir = Path.Combine(root, "burrow");
            Directory.CreateDirectory(burrowDir);
            string servers = $"[\"{server.BootstrapServers}\"]";
            File.WriteAllText(Path.Combine(burrowDir, "burrow.toml"), $"""
                [general]
                pidfile="{Path.Combine(burrowDir, "burrow.pid")}"
                [logging]
                level="info"
                [zookeeper]
                servers=["127.0.0.1:{zkPort.ToString(CultureInfo.InvariantCulture)}"]
                timeout=6
                root-path="/burrow"
                [client-profile.appliance]
                client-id="burrow-compat"
                kafka-version="2.0.0"
                [cluster.appliance]
                class-name="kafka"
                servers={servers}
                client-profile="appliance"
                topic-refresh=2
                offset-refresh=1
                [consumer.appliance]
                class-name="kafka"
                cluster="appliance"
                servers={servers}
                client-profile="appliance"
                offsets-topic="__consumer_offsets"
                start-latest=false
                [httpserver.default]
                address="127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}"
                [storage.default]
                class-name="inmemory"
                workers=4
                intervals=10
                expire-group=604800
                min-distance=1
                [evaluator.default]
                class-name="caching"
                expire-cache=1
                """);
            await using var burrow = BackgroundProcess.Start(BurrowBinary, ["--config-dir", burrowDir]);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(10) };
            async Task<JsonElement?> Lag(string group)
            {
                try
                {
                    using var response = await http.GetAsync($"/v3/kafka/appliance/consumer/{group}/lag", Ct);
                    if (!response.IsSuccessStatusCode)
                        return null;
                    return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("status").Clone();
                }
                catch (HttpRequestException)
                {
                    return null; // not listening yet
                }
            }

            // Burrow reads the commits from __consumer_offsets and the end offsets with ListOffsets, then evaluates.
            JsonElement? lagging = null, caughtUp = null;
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                Assert.False(burrow.HasExited, "Burrow exited: " + burrow.Describe() + string.Join('\n', burrow.Lines().TakeLast(30)));
                lagging = await Lag("lagging");
                caughtUp = await Lag("caught-up");
                if (lagging is { } l && l.GetProperty("totallag").GetInt64() == 4 && l.GetProperty("status").GetString() != "NOTFOUND"
                    && caughtUp is { } c && c.GetProperty("partition_count").GetInt32() == 1 && c.GetProperty("status").GetString() == "OK")
                    break;
                if (deadline.Elapsed > TimeSpan.FromSeconds(90))
                    Assert.Fail($"Burrow's view after 90 s: lagging {lagging}, caught-up {caughtUp}\n{string.Join('\n', burrow.Lines().TakeLast(30))}\n{server.Output}");
                await Task.Delay(250, Ct);
            }

            var partition = Assert.Single(lagging!.Value.GetProperty("partitions").EnumerateArray());
            Assert.Equal(("orders", 0), (partition.GetProperty("topic").GetString(), partition.GetProperty("partition").GetInt32()));
            Assert.Equal(6, partition.GetProperty("end").GetProperty("offset").GetInt64());
            Assert.Equal(4, partition.GetProperty("current_lag").GetInt64());
            // Commits stopped while lag remains: Burrow's STOP rule, which makes the group ERR.
            await Polling.Eventually(async () => (await Lag("lagging")) is { } l && l.GetProperty("status").GetString() == "ERR",
                TimeSpan.FromSeconds(60), "Burrow flags the group that stopped committing with lag");
            Assert.Equal(0, caughtUp!.Value.GetProperty("totallag").GetInt64());
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
