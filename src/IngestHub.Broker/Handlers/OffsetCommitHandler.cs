using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>OffsetCommit (key 8); acknowledged once the offsets are fsynced. Needs READ on the group and on each
/// topic; the partitions of a topic the principal may not read are answered TOPIC_AUTHORIZATION_FAILED and not committed.</summary>
public sealed class OffsetCommitHandler(GroupCoordinator coordinator) : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    protected override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext request, OffsetCommitRequest message, CancellationToken cancellationToken)
    {
        if (!request.IsAllowedOnGroup(AclOperation.Read, message.GroupId))
            return Refuse(message.Topics, ErrorCode.GroupAuthorizationFailed);
        var denied = message.Topics.Where(t => !request.IsAllowedOnTopic(AclOperation.Read, t.Name)).ToList();
        if (denied.Count == 0)
            return await coordinator.CommitOffsetsAsync(message, cancellationToken);
        message.Topics.RemoveAll(denied.Contains);
        var response = message.Topics.Count > 0 ? await coordinator.CommitOffsetsAsync(message, cancellationToken) : new OffsetCommitResponse();
        response.Topics.AddRange(Refuse(denied, ErrorCode.TopicAuthorizationFailed).Topics);
        return response;
    }

    private static OffsetCommitResponse Refuse(List<OffsetCommitRequest.Topic> topics, ErrorCode error)
    {
        var response = new OffsetCommitResponse();
        foreach (var topic in topics)
        {
            var result = new OffsetCommitResponse.Topic { Name = topic.Name };
            foreach (var partition in topic.Partitions)
                result.Partitions.Add(new OffsetCommitResponse.Partition { PartitionIndex = partition.PartitionIndex, ErrorCode = error });
            response.Topics.Add(result);
        }
        return response;
    }
}
