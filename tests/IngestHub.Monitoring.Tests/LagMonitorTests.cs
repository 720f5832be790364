using IngestHub.Client;
using IngestHub.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IngestHub.Monitoring.Tests;

/// <summary>The monitor against the real appliance through the Kafka protocol, on a fake clock so minutes of commit
/// history take no time.</summary>
public sealed class LagMonitorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    private static async Task ProduceAsync(string bootstrap, string topic, int count, int partition = 0)
    {
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = bootstrap, LingerMs = 1 });
        var sends = new List<Task<DeliveryResult>>(count);
        for (int i = 0; i < count; i++)
            sends.Add(producer.ProduceAsync(topic, null, System.Text.Encoding.UTF8.GetBytes("r" + i), partition: partition));
        await Task.WhenAll(sends);
    }

    /// <summary>A group member that owns every partition of the topic (it never processes anything itself).</summary>
    private static async Task<KafkaConsumer> JoinAsync(string bootstrap, string group, string topic, int partitions)
    {
        var consumer = new KafkaConsumer(new ConsumerOptions
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            ClientId = "monitor-test",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        });
        consumer.Subscribe([topic]);
        await Poll.UntilAsync(async () =>
        {
            await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(100));
            return consumer.Assignment.Count == partitions;
        }, Deadline, () => $"assignment of {partitions} partitions");
        return consumer;
    }

    private static (LagMonitor Monitor, FakeTimeProvider Time) NewMonitor(ApplianceHost appliance, MonitoringOptions? options = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var monitor = new LagMonitor(new ClientOptions { BootstrapServers = appliance.Bootstrap }, new MonitoringHistory(options ?? new MonitoringOptions()), time);
        return (monitor, time);
    }

    [Fact]
    public async Task A_consumer_committing_once_a_minute_is_ok_until_it_stops_for_longer_than_its_window_spans()
    {
        await using var appliance = await ApplianceHost.StartAsync("--monitoring:SampleIntervalSeconds=3600");
        string topic = Unique("slow"), group = Unique("g");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync(topic, 1);
        await ProduceAsync(appliance.Bootstrap, topic, 500);
        await using var consumer = await JoinAsync(appliance.Bootstrap, group, topic, 1);
        var (monitor, time) = NewMonitor(appliance);
        await using var _ = monitor;

        // Ten commits a minute apart, sampled every 30 s: samples without a new commit add nothing to the window.
        for (int i = 1; i <= 10; i++)
        {
            await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, i * 20)]);
            await monitor.SampleAsync(default);
            time.Advance(TimeSpan.FromSeconds(30));
            await monitor.SampleAsync(default);
            time.Advance(TimeSpan.FromSeconds(30));
        }
        var partition = monitor.Find(group)!.Partitions.Single();
        Assert.Equal(10, partition.Commits);
        Assert.True(partition.WindowComplete);
        Assert.Equal(300, partition.Lag);
        Assert.Equal(PartitionLagStatus.Ok, partition.Status);

        // Five more minutes without a commit: the window spans nine, so this consumer is not stopped.
        time.Advance(TimeSpan.FromMinutes(5));
        await monitor.SampleAsync(default);
        Assert.Equal(PartitionLagStatus.Ok, monitor.Find(group)!.Partitions.Single().Status);
        Assert.Equal(GroupLagStatus.Ok, monitor.Find(group)!.Status);

        time.Advance(TimeSpan.FromMinutes(4));
        await monitor.SampleAsync(default);
        var stopped = monitor.Find(group)!;
        Assert.Equal(PartitionLagStatus.Stop, stopped.Partitions.Single().Status);
        Assert.Equal(GroupLagStatus.Err, stopped.Status);
        Assert.Equal("Stable", stopped.State);
        Assert.Equal("monitor-test", stopped.Partitions.Single().ClientId);
    }

    [Fact]
    public async Task Time_lag_is_interpolated_from_the_sampled_log_end_offsets()
    {
        await using var appliance = await ApplianceHost.StartAsync("--monitoring:SampleIntervalSeconds=3600");
        string topic = Unique("timed"), group = Unique("g");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync(topic, 1);
        await using var consumer = await JoinAsync(appliance.Bootstrap, group, topic, 1);
        await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, 0)]);
        var (monitor, time) = NewMonitor(appliance);
        await using var _ = monitor;

        await monitor.SampleAsync(default);                       // t = 0 s: end 0
        await ProduceAsync(appliance.Bootstrap, topic, 100);
        time.Advance(TimeSpan.FromSeconds(10));
        await monitor.SampleAsync(default);                       // t = 10 s: end 100
        await ProduceAsync(appliance.Bootstrap, topic, 300);
        time.Advance(TimeSpan.FromSeconds(10));
        await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, 49)]);
        await monitor.SampleAsync(default);                       // t = 20 s: end 400, committed 49

        // Offset 49 is the 50th of the 100 records appended between 0 s and 10 s: produced at about 5 s, 15 s ago.
        var partition = monitor.Find(group)!.Partitions.Single();
        Assert.Equal(351, partition.Lag);
        Assert.Equal(15.0, partition.TimeLag.Seconds, 3);
        Assert.False(partition.TimeLag.LowerBound);
    }

    [Fact]
    public async Task Assigned_partitions_without_commits_count_every_record_in_the_log_and_thresholds_apply()
    {
        await using var appliance = await ApplianceHost.StartAsync("--monitoring:SampleIntervalSeconds=3600");
        string topic = Unique("two"), group = Unique("g");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync(topic, 2);
        await ProduceAsync(appliance.Bootstrap, topic, 30, partition: 0);
        await ProduceAsync(appliance.Bootstrap, topic, 70, partition: 1);
        await using var consumer = await JoinAsync(appliance.Bootstrap, group, topic, 2);
        await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, 30)]);
        var (monitor, _) = NewMonitor(appliance, new MonitoringOptions { MaxLag = 50 });
        await using var __ = monitor;

        await monitor.SampleAsync(default);
        var report = monitor.Find(group)!;
        Assert.Equal(2, report.Partitions.Count);
        var caughtUp = report.Partitions[0];
        Assert.Equal((30L, 0L, PartitionLagStatus.Ok), (caughtUp.CommittedOffset, caughtUp.Lag, caughtUp.Status));
        var uncommitted = report.Partitions[1];
        Assert.Equal((-1L, 70L, 70L), (uncommitted.CommittedOffset, uncommitted.LogEndOffset, uncommitted.Lag));
        Assert.Equal(PartitionLagStatus.Warning, uncommitted.Status);
        Assert.Equal("lag 70 above the threshold 50", uncommitted.Reason);
        Assert.Equal(70, report.TotalLag);
        Assert.Equal(GroupLagStatus.Warn, report.Status);
        Assert.Equal(1, report.MaxLag!.Partition);
    }
}
