using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>OffsetDelete (key 47): removes a group's committed offsets for partitions it no longer consumes. Needs
/// DELETE on the group and READ on each topic.</summary>
public sealed class OffsetDeleteHandler(GroupCoordinator coordinator) : ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse>
{
    protected override ValueTask<OffsetDeleteResponse?> HandleAsync(RequestContext request, OffsetDeleteRequest message, CancellationToken cancellationToken)
    {
        if (!request.IsAllowedOnGroup(AclOperation.Delete, message.GroupId))
            return ValueTask.FromResult<OffsetDeleteResponse?>(new OffsetDeleteResponse { ErrorCode = ErrorCode.GroupAuthorizationFailed });
        var denied = message.Topics.Where(t => !request.IsAllowedOnTopic(AclOperation.Read, t.Name)).ToList();
        message.Topics.RemoveAll(denied.Contains);
        var response = coordinator.DeleteOffsets(message);
        foreach (var topic in denied)
        {
            var result = new OffsetDeleteResponse.Topic { Name = topic.Name };
            foreach (var partition in topic.Partitions)
                result.Partitions.Add(new OffsetDeleteResponse.Partition { PartitionIndex = partition.PartitionIndex, ErrorCode = ErrorCode.TopicAuthorizationFailed });
            response.Topics.Add(result);
        }
        return ValueTask.FromResult<OffsetDeleteResponse?>(response);
    }
}
