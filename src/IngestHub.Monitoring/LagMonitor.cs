using System.Globalization;
using IngestHub.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Monitoring;

/// <summary>
/// Watches every consumer group of one Kafka cluster through <see cref="GroupLagReader"/>: each
/// <see cref="SampleAsync"/> reads the groups, records lag, commits and log end offsets into
/// <see cref="MonitoringHistory"/>, and evaluates every partition (Burrow rules, time lag, optional numeric
/// thresholds). Readers get the reports of the latest sample.
/// </summary>
public sealed class LagMonitor : IAsyncDisposable
{
    private readonly KafkaAdminClient _admin;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile IReadOnlyList<GroupLagReport> _reports = [];

    public LagMonitor(ClientOptions client, MonitoringHistory history, TimeProvider time, ILoggerFactory? loggerFactory = null)
    {
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        _admin = new KafkaAdminClient(client, factory.CreateLogger<KafkaAdminClient>());
        _time = time;
        _logger = factory.CreateLogger<LagMonitor>();
        History = history;
        Reader = new GroupLagReader(_admin, time);
        BootstrapServers = client.BootstrapServers;
    }

    public MonitoringHistory History { get; }
    public GroupLagReader Reader { get; }
    public string BootstrapServers { get; }
    public MonitoringOptions Options => History.Options;

    /// <summary>Reports of the latest sample, ordered by group id.</summary>
    public IReadOnlyList<GroupLagReport> Groups => _reports;

    public long LastSampleMs { get; private set; } = -1;

    public GroupLagReport? Find(string group)
    {
        foreach (var report in _reports)
            if (report.GroupId == group)
                return report;
        return null;
    }

    /// <summary>Reads every group once and evaluates it. Throws <see cref="KafkaException"/> when the cluster cannot be read.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var snapshots = await Reader.ReadAllAsync(cancellationToken);
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var livePartitions = new HashSet<(string, int)>();
        foreach (var snapshot in snapshots)
            foreach (var p in snapshot.Partitions)
                if (livePartitions.Add((p.Topic, p.Partition)))
                    History.ObserveEndOffset(p.Topic, p.Partition, now, p.EndOffset);

        var reports = new List<GroupLagReport>(snapshots.Count);
        foreach (var snapshot in snapshots)
        {
            var group = History.Group(snapshot.GroupId);
            group.LastSeenMs = now;
            var live = new HashSet<(string, int)>();
            foreach (var p in snapshot.Partitions)
            {
                live.Add((p.Topic, p.Partition));
                group.Partition(p.Topic, p.Partition).Observe(now, p.CommittedOffset, p.Lag, p.EndOffset);
            }
            group.Total.Add((now, snapshot.TotalLag));
            group.Retain(live);
            reports.Add(Evaluate(snapshot, group, now));
        }
        History.PruneGroups(now, livePartitions);
        _reports = reports;
        LastSampleMs = now;
        _logger.LogDebug("Sampled {Groups} groups on {Bootstrap}", reports.Count, BootstrapServers);
    }

    private GroupLagReport Evaluate(GroupSnapshot snapshot, GroupHistory group, long now)
    {
        var options = Options;
        var partitions = new List<PartitionLagReport>(snapshot.Partitions.Count);
        var statuses = new List<PartitionLagStatus>(snapshot.Partitions.Count);
        int complete = 0;
        foreach (var p in snapshot.Partitions)
        {
            var history = group.FindPartition(p.Topic, p.Partition)!;
            var commits = history.Commits.Snapshot();
            var evaluation = BurrowEvaluator.EvaluatePartition(commits, history.WindowSize, history.BrokerOffsets.Snapshot(), p.Lag, now, options.AllowedLag);
            long next = p.CommittedOffset >= 0 ? p.CommittedOffset : p.LogStartOffset;
            var timeLag = TimeLagEstimator.Estimate(History.EndOffsets(p.Topic, p.Partition), next, p.EndOffset, now);
            evaluation = ApplyThresholds(evaluation, p.Lag, timeLag, options);
            var owner = snapshot.OwnerOf(p.Topic, p.Partition);
            bool full = commits.Length >= history.WindowSize;
            if (full)
                complete++;
            statuses.Add(evaluation.Status);
            partitions.Add(new PartitionLagReport(p.Topic, p.Partition, p.CommittedOffset, p.LogStartOffset, p.EndOffset, p.Lag, timeLag,
                evaluation.Status, evaluation.Reason, commits.Length, full, commits.Length > 0 ? commits[^1].TimestampMs : null,
                owner?.MemberId, owner?.ClientId, owner?.ClientHost));
        }
        double completeFraction = partitions.Count == 0 ? 0 : complete / (double)partitions.Count;
        return new GroupLagReport(snapshot.GroupId, snapshot.State, snapshot.ProtocolType, snapshot.Protocol, snapshot.Members, partitions,
            BurrowEvaluator.EvaluateGroup(statuses), snapshot.TotalLag, completeFraction, now);
    }

    /// <summary>The numeric thresholds Burrow lacks: exceeding one makes an otherwise OK (or not yet judged) partition WARNING.</summary>
    public static PartitionEvaluation ApplyThresholds(PartitionEvaluation evaluation, long lag, TimeLagEstimate timeLag, MonitoringOptions options)
    {
        if (evaluation.Status is not (PartitionLagStatus.Ok or PartitionLagStatus.Incomplete))
            return evaluation;
        if (options.MaxLag is { } maxLag && lag > maxLag)
            return new(PartitionLagStatus.Warning, $"lag {lag} above the threshold {maxLag}");
        if (options.MaxLagSeconds is { } maxSeconds && timeLag.Seconds > maxSeconds)
            return new(PartitionLagStatus.Warning,
                $"time lag {timeLag.Seconds.ToString("0.#", CultureInfo.InvariantCulture)} s above the threshold {maxSeconds.ToString(CultureInfo.InvariantCulture)} s");
        return evaluation;
    }

    public ValueTask DisposeAsync() => _admin.DisposeAsync();
}
