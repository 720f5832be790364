namespace IngestHub.Client;

/// <summary><c>acks</c>: how many replicas must have the batch before the broker answers.</summary>
public enum Acks : short
{
    /// <summary>Leader and all in-sync replicas (-1).</summary>
    All = -1,
    /// <summary>No response at all; offsets are unknown (-1).</summary>
    None = 0,
    /// <summary>The leader only.</summary>
    Leader = 1,
}
