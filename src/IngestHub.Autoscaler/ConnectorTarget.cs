using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Runtime;

namespace IngestHub.Autoscaler;

/// <summary>A connector as an autoscaler target: its workers are the group members; a spill relays its source
/// and drains the spill topic with the same pipeline and sink.</summary>
public sealed class ConnectorTarget(Connector connector) : IScalable, ISpillable
{
    public const string TargetKind = "connector";

    public Connector Connector { get; } = connector;
    public string Name => Connector.Settings.Name;
    public string Kind => TargetKind;
    public string GroupId => Connector.Settings.GroupId;
    public IReadOnlyList<string> Topics => Connector.Topics;
    public AutoscaleDefinition? Policy => Connector.Settings.Autoscale;
    public int Workers => Connector.WorkerCount;
    /// <summary>Always spillable; whether a spill may start is the policy's <c>spill.enabled</c>.</summary>
    public ISpillable? Spill => this;

    public Task SetWorkersAsync(int workers, CancellationToken cancellationToken) => Connector.SetWorkerCountAsync(workers, cancellationToken);

    public Task RelayAsync(SpillRoute route, CancellationToken cancellationToken) => Connector.SetModeAsync(ConnectorMode.Relay, route, cancellationToken);

    public Task HoldAsync(CancellationToken cancellationToken) => Connector.SetModeAsync(ConnectorMode.Hold, null, cancellationToken);

    public Task ResumeAsync(CancellationToken cancellationToken) => Connector.SetModeAsync(ConnectorMode.Process, null, cancellationToken);

    public ISpillPool CreatePool(IReadOnlyList<string> spillTopics, string groupId, int workers) =>
        new ConnectorSpillPool(Connector, Connector.CreateSpillPool(spillTopics, groupId, workers));
}
