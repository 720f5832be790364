using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>LeaveGroup (key 13).</summary>
public sealed class LeaveGroupHandler(GroupCoordinator coordinator) : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>
{
    protected override ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext request, LeaveGroupRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<LeaveGroupResponse?>(coordinator.LeaveGroup(message, request.ApiVersion));
}
