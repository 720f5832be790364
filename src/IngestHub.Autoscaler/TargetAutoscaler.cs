using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Monitoring;
using IngestHub.Pipelines.Configuration;
using Microsoft.Extensions.Logging;

namespace IngestHub.Autoscaler;

/// <summary>
/// The autoscaler of one target. Every policy interval it reads the target's group through the client, flags
/// stalled partitions, reports a hot partition, and either scales the workers (up at once, down only as far as the
/// highest recommendation of the stabilization window allows) or — once the workers equal the partitions and the
/// lag has stayed above <c>spill.threshold</c> for <c>spill.after</c>, or on request — spills. Every change is an
/// event with its inputs and reason (kept for the API and timeline, and logged).
/// </summary>
public sealed class TargetAutoscaler
{
    private const int KeptEvents = 200;
    private const int KeptSamples = 720;
    private static readonly AutoscaleDefinition FinishingPolicy = AutoscaleDefinition.Parse(new SettingsReader([]));

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PartitionProgress _progress = new();
    private readonly RingBuffer<AutoscaleEvent> _events = new(KeptEvents);
    private readonly RingBuffer<AutoscaleSample> _samples = new(KeptSamples);
    private readonly HashSet<(string, int)> _stalled = [];
    private readonly SpillController? _spill;
    private ScaleStabilizer _stabilizer;
    private volatile TargetStatus _status;
    private long? _aboveSpillThresholdSinceMs;
    private bool _deferring;
    private (string, int)? _hot;
    private volatile bool _spillRequested;
    private readonly Dictionary<string, long> _decisions = new(StringComparer.Ordinal);

    public TargetAutoscaler(IScalable target, TimeProvider time, ILogger logger, SpillServices? spill = null)
    {
        Target = target;
        _time = time;
        _logger = logger;
        _stabilizer = new ScaleStabilizer(Policy.ScaleDownStabilization, time);
        if (spill is not null)
            _spill = new SpillController(this, spill, time, logger);
        _status = new TargetStatus { Name = target.Name, Kind = target.Kind, GroupId = target.GroupId, Topics = target.Topics, Policy = target.Policy, Actual = target.Workers, Spill = _spill?.State };
    }

    public IScalable Target { get; private set; }

    /// <summary>The target's policy, or the defaults while a spill of a target no longer autoscaled finishes.</summary>
    public AutoscaleDefinition Policy => Target.Policy ?? FinishingPolicy;

    public TargetStatus Status => _status;

    public SpillPhase Phase => _spill?.Phase ?? SpillPhase.Normal;

    public long NextDueMs { get; set; }

    /// <summary>The evaluation under way (or the last one, completed).</summary>
    public Task Evaluation { get; set; } = Task.CompletedTask;

    /// <summary>The target object changed (the connector was restarted or reconfigured).</summary>
    public void Rebind(IScalable target)
    {
        if (target.Policy?.ScaleDownStabilization != Policy.ScaleDownStabilization)
            _stabilizer = new ScaleStabilizer((target.Policy ?? FinishingPolicy).ScaleDownStabilization, _time);
        Target = target;
    }

    public string? RequestSpill()
    {
        if (_spill is null || Target.Spill is null)
            return $"{Target.Name} cannot spill";
        if (Target.Policy?.Spill.Enabled == false)
            return $"spill is disabled for {Target.Name} (autoscale.spill.enabled: false)";
        if (_spill.Phase != SpillPhase.Normal)
            return $"{Target.Name} is already spilling ({SpillState.PhaseName(_spill.Phase)})";
        _spillRequested = true;
        return null;
    }

    public string? RequestUnspill()
    {
        if (_spill is null || _spill.Phase == SpillPhase.Normal)
            return $"{Target.Name} is not spilling";
        if (_spill.Phase != SpillPhase.Relaying && _spill.Phase != SpillPhase.Creating)
            return null; // already switching back
        _spill.RequestUnspill();
        return null;
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>One evaluation on a fresh read of the target's group.</summary>
    public async Task EvaluateAsync(GroupLagReader reader, CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = await reader.ReadAsync(Target.GroupId, Target.Topics, cancellationToken);
            await EvaluateAsync(snapshot, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Fail(ex);
        }
    }

    /// <summary>One evaluation on <paramref name="snapshot"/> (the target's group on every partition of its topics).</summary>
    public async Task EvaluateAsync(GroupSnapshot snapshot, CancellationToken cancellationToken)
    {
        var policy = Policy;
        long now = Now;
        var loads = _progress.Update(snapshot.Partitions, now, policy.StallAfter);
        ReportStalls(snapshot, loads);
        var hot = ReportHotPartition(loads, policy);
        int current = Target.Workers;
        ScalingRecommendation? recommendation = null;
        int desired = current;

        if (_spill is not null && _spill.Phase != SpillPhase.Normal)
        {
            await _spill.StepAsync(snapshot, cancellationToken);
            desired = Target.Workers;
        }
        else if (Target.Policy is not null)
        {
            recommendation = ScalingPolicy.Recommend(policy, loads, current);
            desired = _stabilizer.Stabilize(recommendation.Workers, current);
            await ApplyAsync(snapshot, recommendation, current, desired, cancellationToken);
            await ConsiderSpillAsync(snapshot, recommendation, cancellationToken);
        }
        Publish(snapshot, loads, hot, recommendation, desired, null);
    }

    private async Task ApplyAsync(GroupSnapshot snapshot, ScalingRecommendation recommendation, int current, int desired, CancellationToken cancellationToken)
    {
        if (desired == current)
        {
            if (recommendation.Workers < current && !_deferring)
            {
                _deferring = true;
                var until = _stabilizer.ExpiresAbove(recommendation.Workers);
                var inputs = Inputs(snapshot, recommendation);
                if (until is { } expires)
                    inputs["stabilized_until"] = expires.ToUnixTimeMilliseconds(); // when the higher recommendations leave the window
                Record("scale_down_deferred", current, current,
                    $"{recommendation.Reason}; keeping {current}: the highest recommendation within the {SettingsReader.FormatDuration(_stabilizer.Window)} stabilization window is {_stabilizer.Highest}"
                    + (until is { } u ? $" (until {u:HH:mm:ss})" : ""),
                    inputs);
            }
            else if (recommendation.Workers >= current)
            {
                _deferring = false;
            }
            return;
        }
        _deferring = false;
        await Target.SetWorkersAsync(desired, cancellationToken);
        int actual = Target.Workers;
        string kind = desired > current ? "scale_up" : "scale_down";
        string reason = desired > current
            ? recommendation.Reason
            : $"{recommendation.Reason}; every recommendation within the {SettingsReader.FormatDuration(_stabilizer.Window)} stabilization window was at most {desired}";
        Record(kind, current, actual, reason, Inputs(snapshot, recommendation));
    }

    private async Task ConsiderSpillAsync(GroupSnapshot snapshot, ScalingRecommendation recommendation, CancellationToken cancellationToken)
    {
        if (_spill is null || Target.Spill is null)
            return;
        var spill = Policy.Spill;
        if (_spillRequested)
        {
            _spillRequested = false;
            await _spill.StartAsync(snapshot, $"spill requested with lag {ScalingPolicy.N(snapshot.TotalLag)}", cancellationToken);
            return;
        }
        int partitions = snapshot.Partitions.Count;
        bool saturated = partitions > 0 && Target.Workers >= partitions;
        if (!spill.Enabled || !saturated || recommendation.CountedLag <= spill.Threshold)
        {
            _aboveSpillThresholdSinceMs = null;
            return;
        }
        long now = Now;
        _aboveSpillThresholdSinceMs ??= now;
        if (now - _aboveSpillThresholdSinceMs.Value < (long)spill.After.TotalMilliseconds)
            return;
        _aboveSpillThresholdSinceMs = null;
        await _spill.StartAsync(snapshot,
            $"{Target.Workers} workers = {partitions} partitions and lag {ScalingPolicy.N(recommendation.CountedLag)} above spill.threshold {ScalingPolicy.N(spill.Threshold)} for {SettingsReader.FormatDuration(spill.After)}",
            cancellationToken);
    }

    private void ReportStalls(GroupSnapshot snapshot, IReadOnlyList<PartitionLoad> loads)
    {
        long now = Now;
        foreach (var load in loads)
        {
            var key = (load.Topic, load.Partition);
            if (load.Stalled && _stalled.Add(key))
            {
                var p = snapshot.Partitions.First(x => x.Topic == load.Topic && x.Partition == load.Partition);
                Record("stall", null, null,
                    string.Create(CultureInfo.InvariantCulture, $"{load.Topic}-{load.Partition} STALL: committed offset {p.CommittedOffset} unchanged for {_progress.StillForMs(load.Topic, load.Partition, now) / 1000.0:0.#} s while other partitions moved; its lag {ScalingPolicy.N(load.Lag)} adds no workers"),
                    new JsonObject { ["topic"] = load.Topic, ["partition"] = load.Partition, ["lag"] = load.Lag, ["committed_offset"] = p.CommittedOffset });
            }
            else if (!load.Stalled && _stalled.Remove(key))
            {
                Record("stall_cleared", null, null, $"{load.Topic}-{load.Partition} moves again (lag {ScalingPolicy.N(load.Lag)})",
                    new JsonObject { ["topic"] = load.Topic, ["partition"] = load.Partition, ["lag"] = load.Lag });
            }
        }
    }

    /// <summary>One partition holding most of the lag (at least half, and at least 1.5 times an even share): more workers
    /// than partitions with lag cannot help it; a spill spreads it by key.</summary>
    private PartitionScaleStatus? ReportHotPartition(IReadOnlyList<PartitionLoad> loads, AutoscaleDefinition policy)
    {
        long total = loads.Sum(l => l.Lag);
        if (loads.Count < 2 || total < policy.LagThreshold)
        {
            _hot = null;
            return null;
        }
        var max = loads.MaxBy(l => l.Lag);
        double share = max.Lag / (double)total;
        // "Most of the lag", and well above an even share (with two partitions: three quarters of it).
        if (share < Math.Max(0.5, 1.5 / loads.Count))
        {
            _hot = null;
            return null;
        }
        var key = (max.Topic, max.Partition);
        if (_hot != key)
        {
            _hot = key;
            Record("hot_partition", null, null,
                string.Create(CultureInfo.InvariantCulture, $"{max.Topic}-{max.Partition} holds {share * 100:0}% of the lag ({ScalingPolicy.N(max.Lag)} of {ScalingPolicy.N(total)}); one worker per partition is the most that helps it — a spill spreads it over more partitions by key"),
                new JsonObject { ["topic"] = max.Topic, ["partition"] = max.Partition, ["lag"] = max.Lag, ["total_lag"] = total, ["share"] = Math.Round(share, 3) });
        }
        return new PartitionScaleStatus(max.Topic, max.Partition, max.Lag, -1, max.Stalled, 0, share);
    }

    private JsonObject Inputs(GroupSnapshot snapshot, ScalingRecommendation recommendation)
    {
        var partitions = new JsonArray();
        foreach (var p in snapshot.Partitions)
            partitions.Add(new JsonObject
            {
                ["topic"] = p.Topic,
                ["partition"] = p.Partition,
                ["lag"] = p.Lag,
                ["committed_offset"] = p.CommittedOffset,
                ["stalled"] = _stalled.Contains((p.Topic, p.Partition)),
            });
        var policy = Policy;
        return new JsonObject
        {
            ["total_lag"] = recommendation.TotalLag,
            ["counted_lag"] = recommendation.CountedLag,
            ["lag_threshold"] = policy.LagThreshold,
            ["activation_lag"] = policy.ActivationLag,
            ["min"] = policy.Min,
            ["max"] = policy.Max,
            ["partitions"] = snapshot.Partitions.Count,
            ["partitions_with_lag"] = recommendation.PartitionsWithLag,
            ["raw"] = recommendation.Raw,
            ["recommended"] = recommendation.Workers,
            ["stabilization_window"] = SettingsReader.FormatDuration(_stabilizer.Window),
            ["highest_in_window"] = _stabilizer.Highest,
            ["per_partition"] = partitions,
        };
    }

    internal void Record(string kind, int? from, int? to, string reason, JsonObject inputs)
    {
        var e = new AutoscaleEvent(Now, Target.Name, kind, SpillState.PhaseName(Phase), from, to, reason, inputs);
        _events.Add(e);
        Dictionary<string, long> counts;
        lock (_decisions)
        {
            _decisions[kind] = _decisions.GetValueOrDefault(kind) + 1;
            counts = new Dictionary<string, long>(_decisions, StringComparer.Ordinal);
        }
        if (kind == "error")
            _logger.LogWarning("Autoscaler {Target}: {Kind}: {Reason}", Target.Name, kind, reason);
        else
            _logger.LogInformation("Autoscaler {Target}: {Kind}{Change}: {Reason} (inputs {Inputs})", Target.Name, kind,
                from is null && to is null ? "" : $" {from?.ToString() ?? "–"} → {to?.ToString() ?? "–"}", reason, inputs.ToJsonString());
        _status = _status with { Events = _events.Snapshot(), Decisions = counts };
    }

    private int _failures;

    private void Fail(Exception ex)
    {
        // Record the first failure of a streak and then every 60th, so a persistent fault does not flood the timeline.
        if (_failures++ % 60 == 0)
            Record("error", null, null, $"evaluation failed ({_failures} in a row): {ex.GetType().Name}: {ex.Message}; retrying next interval", []);
        _status = _status with { LastError = ex.Message, LastEvaluatedMs = Now };
    }

    private void Publish(GroupSnapshot snapshot, IReadOnlyList<PartitionLoad> loads, PartitionScaleStatus? hot, ScalingRecommendation? recommendation, int desired, string? error)
    {
        _failures = 0;
        long now = Now;
        long total = snapshot.TotalLag;
        var partitions = new List<PartitionScaleStatus>(loads.Count);
        for (int i = 0; i < loads.Count; i++)
        {
            var p = snapshot.Partitions[i];
            partitions.Add(new PartitionScaleStatus(p.Topic, p.Partition, p.Lag, p.CommittedOffset, loads[i].Stalled,
                _progress.StillForMs(p.Topic, p.Partition, now), total == 0 ? 0 : p.Lag / (double)total));
        }
        var pool = _spill?.Pool;
        _samples.Add(new AutoscaleSample(now, total, _spill?.SpillLag ?? 0, desired, Target.Workers, pool?.Workers ?? 0, Phase));
        _status = new TargetStatus
        {
            Name = Target.Name,
            Kind = Target.Kind,
            GroupId = Target.GroupId,
            Topics = Target.Topics,
            Policy = Target.Policy,
            Desired = desired,
            Actual = Target.Workers,
            Recommendation = recommendation,
            TotalLag = total,
            Partitions = partitions,
            HotPartition = hot,
            Spill = _spill?.State,
            SpillWorkers = pool?.Workers ?? 0,
            SpillDesired = _spill?.PoolDesired ?? 0,
            SpillLag = _spill?.SpillLag ?? 0,
            SpillPoolState = pool?.State,
            LastEvaluatedMs = now,
            LastError = error ?? pool?.LastError,
            Events = _events.Snapshot(),
            Samples = _samples.Snapshot(),
            Decisions = _status.Decisions,
        };
    }

    internal Task DetachAsync() => _spill?.DetachAsync() ?? Task.CompletedTask;
}
