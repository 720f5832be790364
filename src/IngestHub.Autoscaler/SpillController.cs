using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Monitoring;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Runtime;
using IngestHub.Protocol;
using Microsoft.Extensions.Logging;

namespace IngestHub.Autoscaler;

/// <summary>
/// One target's spill, as a state machine whose every phase is persisted (fsynced) before it takes effect, so a
/// restart in any phase resumes and finishes it:
/// <list type="number">
/// <item>creating — spill topics <c>&lt;topic&gt;.spill.&lt;n&gt;</c> with partitions × factor are created (idempotent);</item>
/// <item>relaying — the source workers relay every record (backlog and new arrivals) to the spill topics and commit
/// each batch once acknowledged; the spill pool (the same pipeline, group <c>&lt;group&gt;.spill.&lt;n&gt;</c>) processes
/// them, scaled by the policy up to the spill partitions;</item>
/// <item>draining — when the relay has caught up and the spill's lag is at most <c>switchBackLag</c> (or on unspill),
/// the relay stops; the source group's committed offsets are the cut-offs (everything below is in the spill topics,
/// nothing at or above); the source is held while the pool drains the spill to zero lag;</item>
/// <item>switching back — the pool stops, normal processing resumes at the cut-offs, the spill topics are deleted.</item>
/// </list>
/// A key's records are all in one spill partition in source order, and none is read from the source again before
/// the spill holding its older records is drained, so per-key order holds across the switch.
/// </summary>
internal sealed class SpillController
{
    private readonly TargetAutoscaler _owner;
    private readonly KafkaAdminClient _admin;
    private readonly GroupLagReader _reader;
    private readonly SpillStateStore _store;
    private readonly IReadOnlyList<ISpillObserver> _observers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PartitionProgress _poolProgress = new();
    private ScaleStabilizer? _poolStabilizer;
    private ISpillPool? _pool;
    private ISpillable? _poolOwner;
    private volatile bool _unspillRequested;
    private bool _failureReported;

    public SpillController(TargetAutoscaler owner, SpillServices services, TimeProvider time, ILogger logger)
    {
        var (admin, reader, store, observers) = services;
        _observers = observers;
        _owner = owner;
        _admin = admin;
        _reader = reader;
        _store = store;
        _time = time;
        _logger = logger;
        State = store.Get(owner.Target.Kind, owner.Target.Name) ?? new SpillState { Target = owner.Target.Name, Kind = owner.Target.Kind };
    }

    public SpillState State { get; private set; }
    public SpillPhase Phase => State.Phase;
    public ISpillPool? Pool => _pool;
    public long SpillLag { get; private set; }
    public int PoolDesired { get; private set; }

    public void RequestUnspill() => _unspillRequested = true;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Normal → creating → relaying.</summary>
    public async Task StartAsync(GroupSnapshot source, string reason, CancellationToken cancellationToken)
    {
        var spillable = _owner.Target.Spill ?? throw new InvalidOperationException($"{_owner.Target.Name} cannot spill");
        var policy = _owner.Policy;
        int generation = State.Generation + 1;
        var topics = new Dictionary<string, string>(StringComparer.Ordinal);
        var partitions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in source.Partitions.GroupBy(p => p.Topic))
        {
            string spill = $"{group.Key}.spill.{generation}";
            topics[group.Key] = spill;
            partitions[spill] = group.Count() * policy.Spill.Factor;
        }
        if (topics.Count == 0)
            throw new InvalidOperationException($"{_owner.Target.Name} has no source partitions to spill");
        _unspillRequested = false;
        Save(State with
        {
            Phase = SpillPhase.Creating,
            Generation = generation,
            Group = $"{_owner.Target.GroupId}.spill.{generation}",
            Topics = topics,
            SpillPartitions = partitions,
            Cutoffs = null,
            CutoffAtMs = null,
            StartedAtMs = Now,
            Reason = reason,
        });
        _owner.Record("spill_start", null, null, $"{reason}; spilling to {string.Join(", ", partitions.Select(p => $"{p.Key} ({p.Value} partitions)"))}",
            new JsonObject { ["source_lag"] = source.TotalLag, ["source_partitions"] = source.Partitions.Count, ["factor"] = policy.Spill.Factor });
        await StepAsync(source, cancellationToken);
    }

    /// <summary>Advances the spill one evaluation (also after a restart, in whatever phase was persisted).</summary>
    public async Task StepAsync(GroupSnapshot source, CancellationToken cancellationToken)
    {
        switch (State.Phase)
        {
            case SpillPhase.Creating:
                await CreateTopicsAsync(cancellationToken);
                await RelayAsync(source, cancellationToken);
                break;
            case SpillPhase.Relaying:
                await EnsurePoolAsync(source.TotalLag, cancellationToken);
                var relaying = await ScalePoolAsync(cancellationToken);
                bool caughtUp = source.TotalLag <= _owner.Policy.LagThreshold;
                if (_unspillRequested || (caughtUp && relaying.TotalLag <= _owner.Policy.Spill.SwitchBackLag))
                    await CutOffAsync(source, relaying, cancellationToken);
                break;
            case SpillPhase.Draining:
                await EnsurePoolAsync(0, cancellationToken);
                var draining = await ScalePoolAsync(cancellationToken);
                if (draining.TotalLag == 0)
                {
                    Save(State with { Phase = SpillPhase.SwitchingBack });
                    await SwitchBackAsync(cancellationToken);
                }
                break;
            case SpillPhase.SwitchingBack:
                await SwitchBackAsync(cancellationToken);
                break;
        }
    }

    private async Task CreateTopicsAsync(CancellationToken cancellationToken)
    {
        foreach (var (spill, count) in State.SpillPartitions)
        {
            try
            {
                await _admin.CreateTopicAsync(spill, count, cancellationToken: cancellationToken);
            }
            catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.TopicAlreadyExists)
            {
                // created before a restart
            }
        }
    }

    private async Task RelayAsync(GroupSnapshot source, CancellationToken cancellationToken)
    {
        var spillable = _owner.Target.Spill!;
        Save(State with { Phase = SpillPhase.Relaying });
        // The relay is cheap per record: one relay worker per source partition.
        int partitions = source.Partitions.Count;
        if (_owner.Target.Workers < partitions)
            await _owner.Target.SetWorkersAsync(partitions, cancellationToken);
        await spillable.RelayAsync(new SpillRoute(State.Topics), cancellationToken);
        await EnsurePoolAsync(source.TotalLag, cancellationToken);
        _owner.Record("spill_relaying", null, _pool?.Workers, $"relaying {string.Join(", ", State.Topics.Select(t => $"{t.Key} → {t.Value}"))}; spill pool group {State.Group}",
            new JsonObject { ["source_lag"] = source.TotalLag, ["relay_workers"] = _owner.Target.Workers, ["spill_workers"] = _pool?.Workers });
    }

    /// <summary>Stops the relay and records the cut-offs: the source group's committed offsets once every relay
    /// worker has committed its last acknowledged batch and left.</summary>
    private async Task CutOffAsync(GroupSnapshot source, GroupSnapshot spill, CancellationToken cancellationToken)
    {
        bool manual = _unspillRequested;
        await _owner.Target.Spill!.HoldAsync(cancellationToken);
        var held = await _reader.ReadAsync(_owner.Target.GroupId, _owner.Target.Topics, cancellationToken);
        var cutoffs = new Dictionary<(string, int), long>();
        foreach (var p in held.Partitions)
            cutoffs[(p.Topic, p.Partition)] = p.CommittedOffset;
        Save(State with { Phase = SpillPhase.Draining, Cutoffs = cutoffs, CutoffAtMs = Now });
        _unspillRequested = false;
        string why = manual ? "unspill requested" : $"relay caught up (source lag {ScalingPolicy.N(source.TotalLag)}) and spill lag {ScalingPolicy.N(spill.TotalLag)} ≤ switchBackLag {ScalingPolicy.N(_owner.Policy.Spill.SwitchBackLag)}";
        _owner.Record("spill_cutoff", null, _pool?.Workers, $"{why}: relay stopped at {SpillState.Describe(cutoffs)}; draining the spill",
            new JsonObject { ["source_lag"] = held.TotalLag, ["spill_lag"] = spill.TotalLag, ["cutoffs"] = State.ToJson()["cutoffs"]!.DeepClone() });
    }

    private async Task SwitchBackAsync(CancellationToken cancellationToken)
    {
        if (_pool is not null)
        {
            await _pool.StopAsync();
            _pool = null;
        }
        if (State.Cutoffs is { } cutoffs)
        {
            // Nobody reads the source while it is held, so its group still sits at the cut-offs.
            var check = await _reader.ReadAsync(_owner.Target.GroupId, _owner.Target.Topics, cancellationToken);
            foreach (var p in check.Partitions)
                if (cutoffs.TryGetValue((p.Topic, p.Partition), out long cut) && cut != p.CommittedOffset)
                    _logger.LogWarning("Autoscaler {Target}: {Topic}-{Partition} is at {Committed}, not at its cut-off {Cutoff}; another consumer moved the group",
                        _owner.Target.Name, p.Topic, p.Partition, p.CommittedOffset, cut);
        }
        await _owner.Target.Spill!.ResumeAsync(cancellationToken);
        foreach (var topic in State.SpillTopics)
        {
            try
            {
                await _admin.DeleteTopicsAsync([topic], cancellationToken);
            }
            catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.UnknownTopicOrPartition)
            {
                // deleted before a restart
            }
        }
        var done = State;
        long drained = done.CutoffAtMs is { } at ? Now - at : 0;
        Save(done with { Phase = SpillPhase.Normal, Topics = new Dictionary<string, string>(), SpillPartitions = new Dictionary<string, int>(), Group = null });
        _poolStabilizer = null;
        _poolProgress.Clear();
        SpillLag = 0;
        PoolDesired = 0;
        _owner.Record("spill_done", null, _owner.Target.Workers,
            string.Create(CultureInfo.InvariantCulture, $"spill drained in {drained / 1000.0:0.#} s after the cut-off; normal processing resumed at {(done.Cutoffs is null ? "the committed offsets" : SpillState.Describe(done.Cutoffs))}; deleted {string.Join(", ", done.SpillTopics)}"),
            new JsonObject { ["drained_ms"] = drained, ["total_ms"] = Now - done.StartedAtMs });
    }

    private async Task EnsurePoolAsync(long backlog, CancellationToken cancellationToken)
    {
        var spillable = _owner.Target.Spill!;
        if (_pool is not null && ReferenceEquals(_poolOwner, spillable))
        {
            _pool.FollowTarget();
            if (_pool.State == "FAILED" && !_failureReported)
            {
                // As with the connector itself, a failed pool stays failed (and the spill waits) until the connector is restarted.
                _failureReported = true;
                _owner.Record("error", null, _pool.Workers, $"spill pool FAILED: {_pool.LastError}; the spill waits until the connector is restarted", []);
            }
            return;
        }
        if (_pool is not null)
        {
            // The connector was restarted or reconfigured: run the pool with its new pipeline, from the committed offsets.
            _logger.LogInformation("Autoscaler {Target}: restarting the spill pool for the restarted connector", _owner.Target.Name);
            await _pool.StopAsync();
        }
        _failureReported = false;
        int spillPartitions = State.SpillPartitions.Values.Sum();
        int initial = Math.Clamp((int)Math.Min(int.MaxValue, (backlog + _owner.Policy.LagThreshold - 1) / _owner.Policy.LagThreshold), 1, MaxPoolWorkers(spillPartitions));
        _pool = spillable.CreatePool(State.SpillTopics, State.Group!, initial);
        _poolOwner = spillable;
        await _pool.StartAsync(cancellationToken);
        _pool.FollowTarget();
        PoolDesired = initial;
        // The starting size is a recommendation too: the pool shrinks only once the window has passed it.
        _poolStabilizer ??= new ScaleStabilizer(_owner.Policy.ScaleDownStabilization, _time);
        _poolStabilizer.Stabilize(initial, 0);
    }

    private int MaxPoolWorkers(int spillPartitions)
    {
        int max = _owner.Policy.Spill.MaxWorkers;
        return max <= 0 ? spillPartitions : Math.Min(max, spillPartitions);
    }

    /// <summary>Reads the spill group and scales the pool by the target's policy, bounded by the spill partitions.</summary>
    private async Task<GroupSnapshot> ScalePoolAsync(CancellationToken cancellationToken)
    {
        var spill = await _reader.ReadAsync(State.Group!, State.SpillTopics, cancellationToken);
        SpillLag = spill.TotalLag;
        if (_pool is null)
            return spill;
        var policy = _owner.Policy;
        var poolPolicy = policy with { Min = 1, Max = MaxPoolWorkers(State.SpillPartitions.Values.Sum()) };
        _poolStabilizer ??= new ScaleStabilizer(policy.ScaleDownStabilization, _time);
        var loads = _poolProgress.Update(spill.Partitions, Now, policy.StallAfter);
        int current = _pool.Workers;
        var recommendation = ScalingPolicy.Recommend(poolPolicy, loads, current);
        int desired = _poolStabilizer.Stabilize(recommendation.Workers, current);
        PoolDesired = desired;
        if (desired != current)
        {
            await _pool.SetWorkersAsync(desired, cancellationToken);
            _owner.Record("spill_scale", current, _pool.Workers, "spill pool: " + recommendation.Reason, new JsonObject
            {
                ["spill_lag"] = spill.TotalLag,
                ["lag_threshold"] = policy.LagThreshold,
                ["partitions_with_lag"] = recommendation.PartitionsWithLag,
                ["recommended"] = recommendation.Workers,
            });
        }
        return spill;
    }

    /// <summary>The target went away (deleted): stop the pool. Its spill state stays until the target returns.</summary>
    public async Task DetachAsync()
    {
        if (_pool is not null)
        {
            await _pool.StopAsync();
            _pool = null;
        }
    }

    private void Save(SpillState state)
    {
        bool entered = state.Phase != State.Phase;
        _store.Save(state);
        State = state;
        if (!entered)
            return;
        _logger.LogInformation("Autoscaler {Target}: spill phase {Phase}", _owner.Target.Name, SpillState.PhaseName(state.Phase));
        foreach (var observer in _observers)
            observer.PhaseEntered(state.Kind, state.Target, state.Phase);
    }
}
