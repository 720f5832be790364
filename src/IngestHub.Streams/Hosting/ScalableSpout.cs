using IngestHub.Pipelines.Configuration;

namespace IngestHub.Streams.Hosting;

/// <summary>
/// A running topology's Kafka spout as an autoscaler sees it: the consumer group and topics whose lag it watches,
/// the executors it can change (1 … the spout's task count, fixed for the topology's life) and the call that
/// changes them live.
/// </summary>
public sealed class ScalableSpout
{
    private readonly TopologyRegistry _registry;

    internal ScalableSpout(TopologyRegistry registry, string topology, string component, string groupId, IReadOnlyList<string> topics, int maxExecutors,
        AutoscaleDefinition? policy)
    {
        _registry = registry;
        Topology = topology;
        Component = component;
        GroupId = groupId;
        Topics = topics;
        MaxExecutors = maxExecutors;
        Policy = policy;
    }

    public string Topology { get; }

    public string Component { get; }

    public string GroupId { get; }

    public IReadOnlyList<string> Topics { get; }

    /// <summary>The spout's task count: the most executors it can have.</summary>
    public int MaxExecutors { get; }

    /// <summary>The spout's <c>autoscale:</c> section; null when it is not autoscaled.</summary>
    public AutoscaleDefinition? Policy { get; }

    /// <summary>Current executors (0 when the topology is not running).</summary>
    public int Executors => _registry.Get(Topology)?.Running is { } running ? running.ExecutorsOf(Component) : 0;

    /// <summary>Rebalances the spout to <paramref name="executors"/> executors without stopping it.</summary>
    public Task SetExecutorsAsync(int executors, CancellationToken cancellationToken = default) =>
        _registry.RebalanceAsync(Topology, new Dictionary<string, int> { [Component] = executors }, cancellationToken);

    public override string ToString() => $"{Topology}/{Component} (group {GroupId})";
}
