using IngestHub.Pipelines.Configuration;
using IngestHub.Streams.Hosting;

namespace IngestHub.Autoscaler;

/// <summary>
/// A topology's Kafka spout as an autoscaler target: its workers are the spout's executors, changed by a live
/// rebalance. A spout cannot have more executors than tasks, so the policy's <c>max</c> is capped at the task count
/// (and <c>min</c> at least 1, since a running spout keeps one executor); the policy itself caps at the partitions
/// with lag. A spout does not spill: the policy stops at the task and partition bound.
/// </summary>
public sealed class SpoutTarget(ScalableSpout spout) : IScalable
{
    public const string TargetKind = "spout";

    public ScalableSpout Spout { get; } = spout;

    /// <summary><c>&lt;topology&gt;:&lt;spout&gt;</c> (a topology name has no colon).</summary>
    public string Name => NameOf(Spout.Topology, Spout.Component);

    public string Kind => TargetKind;
    public string GroupId => Spout.GroupId;
    public IReadOnlyList<string> Topics => Spout.Topics;

    public AutoscaleDefinition? Policy { get; } = Bounded(spout.Policy, spout.MaxExecutors);

    public int Workers => Spout.Executors;
    public ISpillable? Spill => null;

    public static string NameOf(string topology, string component) => topology + ":" + component;

    public Task SetWorkersAsync(int workers, CancellationToken cancellationToken) =>
        Spout.SetExecutorsAsync(Math.Clamp(workers, 1, Spout.MaxExecutors), cancellationToken);

    /// <summary>Same spout of the same topology with the same policy (the registry hands out a new view each pass).</summary>
    public bool SameAs(SpoutTarget other) => Name == other.Name && GroupId == other.GroupId && Equals(Policy, other.Policy)
        && Spout.MaxExecutors == other.Spout.MaxExecutors && Topics.SequenceEqual(other.Topics, StringComparer.Ordinal);

    private static AutoscaleDefinition? Bounded(AutoscaleDefinition? policy, int tasks)
    {
        if (policy is null)
            return null;
        int max = Math.Min(policy.Max, tasks);
        return policy with { Max = max, Min = Math.Clamp(policy.Min, 1, max) };
    }
}
