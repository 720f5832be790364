using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>Heartbeat (key 12).</summary>
public sealed class HeartbeatHandler(GroupCoordinator coordinator) : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    protected override ValueTask<HeartbeatResponse?> HandleAsync(RequestContext request, HeartbeatRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<HeartbeatResponse?>(coordinator.Heartbeat(message));
}
