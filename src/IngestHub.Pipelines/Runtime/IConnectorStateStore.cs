namespace IngestHub.Pipelines.Runtime;

/// <summary>Where the registry keeps the connectors changed through the REST API (created, reconfigured, paused,
/// deleted), so they come back after a restart. The appliance keeps them as files in its data directory, each
/// replaced atomically and durably.</summary>
public interface IConnectorStateStore
{
    /// <summary>Every stored connector; an unreadable entry is logged and skipped by the store.</summary>
    IReadOnlyList<StoredConnector> Load();

    /// <summary>Replaces the stored state of <see cref="StoredConnector.Name"/>; returns once it is durable.</summary>
    void Save(StoredConnector connector);
}
