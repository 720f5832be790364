using IngestHub.Broker;
using IngestHub.Server.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Monitoring;

/// <summary>
/// Samples every consumer group's committed offsets and lag, every topic's end offsets and size, and every
/// connector's counters each <c>monitoring:SampleIntervalSeconds</c>, into <see cref="MonitoringHistory"/>.
/// A failed sample is logged and the next tick tries again.
/// </summary>
public sealed class LagSampler(KafkaBroker broker, MonitoringHistory history, IServiceProvider services, TimeProvider time, ILogger<LagSampler> logger)
    : BackgroundService
{
    private int _failures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(history.Options.SampleInterval, time);
        do
        {
            try
            {
                SampleOnce();
                _failures = 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Log the first failure of a streak and then every 60th, so a persistent fault does not flood the log.
                if (_failures++ % 60 == 0)
                    logger.LogWarning(ex, "Monitoring sample failed ({Failures} in a row); retrying next interval", _failures);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Takes one sample of groups, topics and connectors.</summary>
    public void SampleOnce()
    {
        if (!broker.IsReady)
            return;
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var liveTopics = SampleTopics(now);
        SampleGroups(now);
        var liveConnectors = SampleConnectors(now);
        history.Prune(now, liveTopics, liveConnectors);
    }

    private HashSet<string> SampleTopics(long now)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        long records = 0, bytes = 0;
        foreach (var topic in broker.Topics.Topics)
        {
            long topicRecords = 0, topicBytes = 0;
            foreach (var partition in topic.Partitions)
            {
                try
                {
                    topicRecords += partition.Log.LogEndOffset;
                    topicBytes += partition.Log.Size;
                }
                catch (ObjectDisposedException)
                {
                    // deleted while sampling
                }
            }
            live.Add(topic.Name);
            history.Topic(topic.Name).Add(new ThroughputSample(now, topicRecords, topicBytes));
            records += topicRecords;
            bytes += topicBytes;
        }
        history.Ingest.Add(new ThroughputSample(now, records, bytes));
        return live;
    }

    private void SampleGroups(long now)
    {
        if (broker.Groups is not { } groups)
            return;
        foreach (var group in groups.DescribeAll())
        {
            var groupHistory = history.Group(group.GroupId);
            groupHistory.LastSeenMs = now;
            var live = new HashSet<(string, int)>();
            long total = 0;
            foreach (var partition in group.Partitions)
            {
                if (partition.Lag is not { } lag)
                    continue;
                live.Add((partition.Topic, partition.Partition));
                long committedAt = partition.CommitTimestamp?.ToUnixTimeMilliseconds() ?? -1;
                groupHistory.Partition(partition.Topic, partition.Partition).Add(new LagObservation(now, partition.CommittedOffset, lag, committedAt));
                total += lag;
            }
            groupHistory.Total.Add((now, total));
            groupHistory.Retain(live);
        }
    }

    private HashSet<string> SampleConnectors(long now)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        if (services.GetService<PipelinesHost>()?.Registry is not { } registry)
            return live;
        foreach (var connector in registry.All())
        {
            var counters = connector.Status().Counters;
            string name = connector.Settings.Name;
            live.Add(name);
            history.Connector(name).Add(new ThroughputSample(now, counters.EventsIn, counters.EventsOut));
        }
        return live;
    }
}
