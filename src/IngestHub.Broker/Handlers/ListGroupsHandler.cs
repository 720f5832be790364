using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>ListGroups (key 16). With DESCRIBE on the cluster every group is listed; otherwise only the groups the
/// principal may DESCRIBE, as Kafka does.</summary>
public sealed class ListGroupsHandler(GroupCoordinator coordinator) : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    protected override ValueTask<ListGroupsResponse?> HandleAsync(RequestContext request, ListGroupsRequest message, CancellationToken cancellationToken)
    {
        var response = coordinator.ListGroups(message);
        if (!request.IsAllowedOnClusterQuietly(AclOperation.Describe))
            response.Groups.RemoveAll(g => !request.IsAllowedQuietly(AclOperation.Describe, AclResourceType.Group, g.GroupId));
        return ValueTask.FromResult<ListGroupsResponse?>(response);
    }
}
