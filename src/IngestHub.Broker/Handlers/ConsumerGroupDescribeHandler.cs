using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>ConsumerGroupDescribe (key 69): members, epochs and assignments of consumer-protocol groups. A group the
/// principal may not DESCRIBE is answered GROUP_AUTHORIZATION_FAILED.</summary>
public sealed class ConsumerGroupDescribeHandler(GroupCoordinator coordinator) : ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>
{
    protected override ValueTask<ConsumerGroupDescribeResponse?> HandleAsync(RequestContext request, ConsumerGroupDescribeRequest message, CancellationToken cancellationToken)
    {
        var denied = message.GroupIds.Where(g => !request.IsAllowedOnGroup(AclOperation.Describe, g)).ToHashSet(StringComparer.Ordinal);
        var response = coordinator.ConsumerGroupDescribe(message);
        for (int i = 0; i < response.Groups.Count; i++)
        {
            if (denied.Contains(response.Groups[i].GroupId))
                response.Groups[i] = new ConsumerGroupDescribeResponse.Group { GroupId = response.Groups[i].GroupId, ErrorCode = ErrorCode.GroupAuthorizationFailed, GroupState = "", AssignorName = "" };
        }
        return ValueTask.FromResult<ConsumerGroupDescribeResponse?>(response);
    }
}
