using IngestHub.Streams.Topology;

namespace IngestHub.Streams.Runtime;

/// <summary>A component of a running topology: its tasks (fixed), its current executors, its output routes.</summary>
internal sealed class ComponentRuntime(string id, ComponentDefinition? definition)
{
    public string Id { get; } = id;

    /// <summary>Null for the acker.</summary>
    public ComponentDefinition? Definition { get; } = definition;

    public bool IsAcker => Definition is null;

    public TaskRuntime[] Tasks { get; set; } = [];

    public int[] TaskIds { get; set; } = [];

    public List<Executor> Executors { get; set; } = [];

    public IReadOnlyDictionary<string, StreamRoute> Routes { get; set; } = new Dictionary<string, StreamRoute>();

    /// <summary>Serializes rebalances of this component.</summary>
    public SemaphoreSlim RebalanceGate { get; } = new(1, 1);
}
