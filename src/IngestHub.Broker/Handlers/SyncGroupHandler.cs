using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>SyncGroup (key 14). Needs READ on the group.</summary>
public sealed class SyncGroupHandler(GroupCoordinator coordinator) : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext request, SyncGroupRequest message, CancellationToken cancellationToken) =>
        request.IsAllowedOnGroup(AclOperation.Read, message.GroupId)
            ? await coordinator.SyncGroupAsync(message, cancellationToken)
            : new SyncGroupResponse { ErrorCode = ErrorCode.GroupAuthorizationFailed };
}
