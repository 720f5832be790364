namespace IngestHub.Pipelines.Runtime;

/// <summary>Tells the registry in which mode a connector must start — a spill in progress survives a restart: its
/// connector starts relaying, or holding while the spill drains, never processing its source out of turn.</summary>
public interface IConnectorModeSource
{
    (ConnectorMode Mode, SpillRoute? Route) StartMode(string connector);
}
