namespace IngestHub.Logging;

/// <summary>
/// Counters of one shipper. Every event handed to it is exactly one of: sent (acknowledged by the broker), dropped
/// (for the reason counted), or still held (queued or in flight): <c>Received = Sent + Dropped + Queued + InFlight</c>.
/// </summary>
public readonly record struct LogShippingStatistics(
    long Received,
    long Sent,
    long DroppedQueueFull,
    long DroppedOversize,
    long DroppedRejected,
    long DroppedInvalid,
    long DroppedAtShutdown,
    int Queued,
    int InFlight,
    long HeldBytes)
{
    /// <summary>All dropped events, whatever the reason.</summary>
    public long Dropped => DroppedQueueFull + DroppedOversize + DroppedRejected + DroppedInvalid + DroppedAtShutdown;
}
