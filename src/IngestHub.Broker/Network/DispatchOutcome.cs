namespace IngestHub.Broker.Network;

public enum DispatchOutcome
{
    /// <summary>A response frame was written and must be sent.</summary>
    Respond,
    /// <summary>No response (Produce with acks=0).</summary>
    NoResponse,
    /// <summary>The request cannot be answered (unknown API, malformed); close the connection.</summary>
    Close,
}
