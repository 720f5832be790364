namespace IngestHub.Pipelines.Runtime;

/// <summary>Connector and worker states, named as Kafka Connect names them.</summary>
public enum ConnectorState
{
    Unassigned,
    Running,
    Paused,
    Failed,
    Stopped,
}
