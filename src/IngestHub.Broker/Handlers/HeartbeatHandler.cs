using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>Heartbeat (key 12) v0–3.</summary>
public sealed class HeartbeatHandler(GroupCoordinator coordinator) : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 3;

    protected override ValueTask<HeartbeatResponse?> HandleAsync(RequestContext request, HeartbeatRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<HeartbeatResponse?>(coordinator.Heartbeat(message));
}
