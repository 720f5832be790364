using IngestHub.Pipelines.Runtime;

namespace IngestHub.Autoscaler;

/// <summary>
/// What a spill needs from a target. Each mode switch returns only once the workers of the previous mode have
/// finished, acknowledged and committed the batch in hand and left the group, so no record is handled in two modes.
/// </summary>
public interface ISpillable
{
    /// <summary>Source workers forward every record unprocessed to its spill topic, committing once acknowledged.</summary>
    Task RelayAsync(SpillRoute route, CancellationToken cancellationToken);

    /// <summary>No worker reads the source (the relay has stopped at the cut-off).</summary>
    Task HoldAsync(CancellationToken cancellationToken);

    /// <summary>Source workers process normally from the committed offsets.</summary>
    Task ResumeAsync(CancellationToken cancellationToken);

    /// <summary>The target's pipeline (or topology) on the spill topics, as consumer group <paramref name="groupId"/>,
    /// reading the relayed records as their originals. Not started yet.</summary>
    ISpillPool CreatePool(IReadOnlyList<string> spillTopics, string groupId, int workers);
}
