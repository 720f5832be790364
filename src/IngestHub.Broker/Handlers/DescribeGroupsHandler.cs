using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DescribeGroups (key 15). A group the principal may not DESCRIBE is answered GROUP_AUTHORIZATION_FAILED.</summary>
public sealed class DescribeGroupsHandler(GroupCoordinator coordinator) : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    protected override ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext request, DescribeGroupsRequest message, CancellationToken cancellationToken)
    {
        var denied = message.Groups.Where(g => !request.IsAllowedOnGroup(AclOperation.Describe, g)).ToHashSet(StringComparer.Ordinal);
        var response = coordinator.DescribeGroups(message);
        for (int i = 0; i < response.Groups.Count; i++)
        {
            if (denied.Contains(response.Groups[i].GroupId))
                response.Groups[i] = new DescribeGroupsResponse.Group { GroupId = response.Groups[i].GroupId, ErrorCode = ErrorCode.GroupAuthorizationFailed, GroupState = "", ProtocolType = "", ProtocolData = "" };
        }
        return ValueTask.FromResult<DescribeGroupsResponse?>(response);
    }
}
