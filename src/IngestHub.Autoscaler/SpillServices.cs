using IngestHub.Client;
using IngestHub.Monitoring;

namespace IngestHub.Autoscaler;

/// <summary>What a spill needs besides its target: the admin client (spill topics), the group reader, the state store and
/// whoever wants to hear of phase changes.</summary>
public sealed record SpillServices(KafkaAdminClient Admin, GroupLagReader Reader, SpillStateStore Store, IReadOnlyList<ISpillObserver> Observers);
