using System.Globalization;
using Confluent.Kafka;

namespace IngestHub.Cluster.Tests;

/// <summary>etcd and three appliances on loopback (nodes 1–3, own data directories and ports) in cluster mode.</summary>
public sealed class BrokerCluster : IAsyncDisposable
{
    private BrokerCluster(EtcdServer etcd, ApplianceProcess[] brokers)
    {
        Etcd = etcd;
        Brokers = brokers;
    }

    public EtcdServer Etcd { get; }
    public ApplianceProcess[] Brokers { get; }

    /// <summary>Every broker's address (the ports stay the same across restarts).</summary>
    public string Bootstrap => string.Join(',', Brokers.Select(b => b.Bootstrap));

    public ApplianceProcess Node(int nodeId) => Brokers[nodeId - 1];

    public static async Task<BrokerCluster> StartAsync(int replicaLagTimeMaxMs, int sessionTimeoutSeconds)
    {
#pragma warning disable CA2000 // etcd is owned by the returned cluster, and disposed below when starting fails
        var etcd = await EtcdServer.StartAsync();
#pragma warning restore CA2000
        var brokers = new ApplianceProcess[3];
        try
        {
            for (int i = 0; i < brokers.Length; i++)
            {
                brokers[i] = ApplianceProcess.Create(
                    "--broker:NodeId=" + (i + 1).ToString(CultureInfo.InvariantCulture),
                    "--cluster:EtcdEndpoints=" + etcd.Endpoint,
                    "--cluster:ReplicaLagTimeMaxMs=" + replicaLagTimeMaxMs.ToString(CultureInfo.InvariantCulture),
                    "--cluster:SessionTimeoutSeconds=" + sessionTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
            }
            await Task.WhenAll(brokers.Select(b => b.StartAsync()));
        }
        catch
        {
            foreach (var broker in brokers)
                if (broker is not null)
                    await broker.DisposeAsync();
            await etcd.DisposeAsync();
            throw;
        }
        var cluster = new BrokerCluster(etcd, brokers);
        await Poll.UntilAsync(() => cluster.Metadata(null) is { Brokers.Count: 3 }, TimeSpan.FromSeconds(60), () => "the three brokers did not all register");
        return cluster;
    }

    /// <summary>Metadata as librdkafka sees it (null when no broker answers).</summary>
    public Metadata? Metadata(string? topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap, SocketTimeoutMs = 5000 }).Build();
        try
        {
            return topic is null ? admin.GetMetadata(TimeSpan.FromSeconds(5)) : admin.GetMetadata(topic, TimeSpan.FromSeconds(5));
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    public PartitionMetadata? Partition(string topic, int partition) =>
        Metadata(topic)?.Topics.FirstOrDefault(t => t.Topic == topic)?.Partitions.FirstOrDefault(p => p.PartitionId == partition);

    public async Task CreateTopicAsync(string topic, int partitions, short replicationFactor, Dictionary<string, string> configs)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = replicationFactor, Configs = configs }]);
        await Poll.UntilAsync(() => Enumerable.Range(0, partitions).All(p => Partition(topic, p) is { Leader: > 0, InSyncReplicas.Length: var n } && n == replicationFactor),
            TimeSpan.FromSeconds(60), () => $"{topic} did not get a leader and a full ISR on every partition");
    }

    public static Task<ProcessResult> SignalAsync(ApplianceProcess broker, string signal) =>
        ChildProcess.RunAsync("/bin/kill", ["-" + signal, broker.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        foreach (var broker in Brokers)
        {
            if (broker.ProcessId != 0)
                await SignalAsync(broker, "CONT");
            await broker.DisposeAsync();
        }
        await Etcd.DisposeAsync();
    }
}
