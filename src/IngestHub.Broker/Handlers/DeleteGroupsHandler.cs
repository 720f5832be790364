using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DeleteGroups (key 42): removes empty groups with their committed offsets. Needs DELETE on each group.</summary>
public sealed class DeleteGroupsHandler(GroupCoordinator coordinator) : ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse>
{
    protected override ValueTask<DeleteGroupsResponse?> HandleAsync(RequestContext request, DeleteGroupsRequest message, CancellationToken cancellationToken)
    {
        var denied = message.GroupNames.Where(g => !request.IsAllowedOnGroup(AclOperation.Delete, g)).ToList();
        message.GroupNames.RemoveAll(denied.Contains);
        var response = coordinator.DeleteGroups(message);
        foreach (string group in denied)
            response.Results.Add(new DeleteGroupsResponse.Result { GroupId = group, ErrorCode = ErrorCode.GroupAuthorizationFailed });
        return ValueTask.FromResult<DeleteGroupsResponse?>(response);
    }
}
