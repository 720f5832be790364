namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>What the broker did with a connection after it received input.</summary>
public enum BrokerReaction
{
    /// <summary>Nothing within the deadline.</summary>
    None,
    /// <summary>It wrote bytes back.</summary>
    Answered,
    /// <summary>It closed or reset the connection.</summary>
    Closed,
}
