namespace IngestHub.Pipelines.Runtime;

/// <summary>What a connector's workers do with the records of its source topics.</summary>
public enum ConnectorMode
{
    /// <summary>Decode, filter and deliver to the sink (the normal mode).</summary>
    Process,
    /// <summary>Forward every record unprocessed to its spill topic (<see cref="SpillRoute"/>), committing the source
    /// offset once the spill write is acknowledged.</summary>
    Relay,
    /// <summary>Leave the source alone: no worker consumes it (while a spill drains).</summary>
    Hold,
}
