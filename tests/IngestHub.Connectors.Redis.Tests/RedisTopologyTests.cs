using System.Diagnostics;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using StackExchange.Redis;
using static IngestHub.Connectors.Redis.Tests.RedisSinks;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>Redis Cluster and Sentinel through the configuration string. Nodes run as child processes: they
/// announce their own addresses to clients, which are only reachable as 127.0.0.1 ports outside a container.</summary>
public class RedisTopologyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Cluster_batch_spanning_every_node_lands_each_event_on_the_node_owning_its_slot()
    {
        var nodes = new List<RedisServer>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                nodes.Add(await RedisServer.StartAsync(new RedisServerOptions
                {
                    Runtime = RedisRuntime.Process,
                    Arguments = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"],
                }));
            }
            await RunAsync("redis-cli", ["--cluster", "create", .. nodes.Select(n => n.Endpoint), "--cluster-replicas", "0", "--cluster-yes"]);
            await Poll.UntilAsync(async () =>
            {
                foreach (var node in nodes)
                {
                    var info = (await (await ServerAsync(node)).ExecuteAsync("CLUSTER", "INFO")).ToString();
                    if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
                        return false;
                }
                return true;
            }, Deadline, () => "the three nodes agree the cluster is ok");

            var prefix = "cl-" + Guid.NewGuid().ToString("N")[..6] + ":";
            // One seed endpoint: the library discovers the other nodes and routes each key to its slot's owner.
            await using var sink = await StartAsync(nodes[0], new() { ["configuration"] = nodes[0].Endpoint, ["key"] = prefix + "%{id}" });
            var batch = Enumerable.Range(0, 300).Select(i => Event(i, "event " + i)).ToArray();

            Assert.Empty((await sink.WriteAsync(batch, Ct)).Rejected);

            long total = 0;
            foreach (var node in nodes)
            {
                // DBSIZE asks each node directly: every node received part of the one batch.
                long size = await (await ServerAsync(node)).DatabaseSizeAsync();
                Assert.True(size > 0, $"node {node.Endpoint} holds none of the 300 keys");
                total += size;
            }
            Assert.Equal(300, total);
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sentinel_service_name_finds_the_primary_and_the_sink_writes_to_it()
    {
        await using var primary = await RedisServer.StartAsync(new RedisServerOptions { Runtime = RedisRuntime.Process });
        await using var sentinel = await RedisServer.StartAsync(new RedisServerOptions
        {
            Sentinel = true,
            Arguments = ["--sentinel", "monitor", "ingesthub", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "1"],
        });
        var key = "sentinel-" + Guid.NewGuid();

        await using var sink = await StartAsync(sentinel, new() { ["configuration"] = $"{sentinel.Endpoint},serviceName=ingesthub", ["key"] = key });
        Assert.Empty((await sink.WriteAsync([Event(0, "via sentinel")], Ct)).Rejected);

        Assert.Equal(1, await (await primary.DatabaseAsync()).ListLengthAsync(key));
    }

    private static async Task<IServer> ServerAsync(RedisServer node) => (await node.DatabaseAsync()).Multiplexer.GetServer(node.Endpoint);

    private static async Task RunAsync(string file, IEnumerable<string> arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Deadline);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} exited with {process.ExitCode}: {await output}{await error}");
    }
}
