using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>Heartbeat (key 12). Needs READ on the group.</summary>
public sealed class HeartbeatHandler(GroupCoordinator coordinator) : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    protected override ValueTask<HeartbeatResponse?> HandleAsync(RequestContext request, HeartbeatRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<HeartbeatResponse?>(request.IsAllowedOnGroup(AclOperation.Read, message.GroupId)
            ? coordinator.Heartbeat(message)
            : new HeartbeatResponse { ErrorCode = ErrorCode.GroupAuthorizationFailed });
}
