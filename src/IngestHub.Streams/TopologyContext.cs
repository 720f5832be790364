using IngestHub.Streams.Runtime;
using IngestHub.Streams.Topology;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams;

/// <summary>What a task knows about itself and the topology: its ids, the tasks of every component, declared
/// streams, configuration, the host's environment, a logger, and the topology's dead-letter topic.</summary>
public sealed class TopologyContext
{
    private readonly RunningTopology _topology;
    private CommitHold? _hold;

    internal TopologyContext(RunningTopology topology, ComponentDefinition component, int taskId, int taskIndex)
    {
        _topology = topology;
        Component = component;
        ThisTaskId = taskId;
        ThisTaskIndex = taskIndex;
        Logger = topology.Environment.LoggerFactory.CreateLogger($"IngestHub.Streams.{topology.Name}.{component.Id}");
    }

    public string TopologyName => _topology.Name;

    public string ThisComponentId => Component.Id;

    public int ThisTaskId { get; }

    /// <summary>Position of this task among its component's tasks (0-based).</summary>
    public int ThisTaskIndex { get; }

    public IReadOnlyList<int> ThisComponentTasks => _topology.TaskIdsOf(Component.Id);

    public IReadOnlyList<InputDeclaration> ThisSources => Component.Inputs;

    public TopologyConfig Config => _topology.Config;

    /// <summary>This component's configuration (builder settings over its own).</summary>
    public IReadOnlyDictionary<string, object?> ComponentConfiguration => Component.Configuration;

    public TopologyEnvironment Environment => _topology.Environment;

    public TimeProvider Clock => _topology.Environment.Clock;

    public ILogger Logger { get; }

    /// <summary>The topology's dead-letter topic.</summary>
    public DeadLetterQueue DeadLetters => _topology.DeadLetters;

    /// <summary>This task's commit hold (created on first use; see <see cref="Streams.CommitHold"/>).</summary>
    public CommitHold CommitHold => _hold ??= _topology.Progress.Register(Component.Id, ThisTaskIndex, Component.NumTasks);

    internal ComponentDefinition Component { get; }

    internal RunningTopology Topology => _topology;

    public IReadOnlyList<int> GetComponentTasks(string componentId) => _topology.TaskIdsOf(componentId);

    public string? GetComponentId(int taskId) => _topology.ComponentOf(taskId);

    public IReadOnlyDictionary<string, StreamSchema> GetComponentStreams(string componentId) =>
        _topology.Definition.Find(componentId)?.Streams ?? throw new ArgumentException($"no component '{componentId}'", nameof(componentId));

    public Fields GetComponentOutputFields(string componentId, string streamId) =>
        GetComponentStreams(componentId).TryGetValue(streamId, out var s) ? s.Fields : throw new ArgumentException($"{componentId} declares no stream '{streamId}'", nameof(streamId));
}
