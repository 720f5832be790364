using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>LeaveGroup (key 13). Needs READ on the group.</summary>
public sealed class LeaveGroupHandler(GroupCoordinator coordinator) : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>
{
    protected override ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext request, LeaveGroupRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<LeaveGroupResponse?>(request.IsAllowedOnGroup(AclOperation.Read, message.GroupId)
            ? coordinator.LeaveGroup(message, request.ApiVersion)
            : new LeaveGroupResponse { ErrorCode = ErrorCode.GroupAuthorizationFailed });
}
