using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>OffsetFetch (key 9); v0 is served from the same store as v1+, v8+ answers for several groups. Needs DESCRIBE
/// on each group (else GROUP_AUTHORIZATION_FAILED) and on each topic: a named topic the principal may not describe is
/// answered TOPIC_AUTHORIZATION_FAILED, and such topics are left out when every committed offset is asked for.</summary>
public sealed class OffsetFetchHandler(GroupCoordinator coordinator) : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    protected override ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext request, OffsetFetchRequest message, CancellationToken cancellationToken)
    {
        var response = coordinator.FetchOffsets(message, request.ApiVersion);
        if (!request.Authorizer.Enabled)
            return ValueTask.FromResult<OffsetFetchResponse?>(response);
        if (request.ApiVersion >= 8)
        {
            foreach (var group in response.Groups)
            {
                var asked = message.Groups.Find(g => g.GroupId == group.GroupId);
                if (!request.IsAllowedOnGroup(AclOperation.Describe, group.GroupId))
                {
                    group.ErrorCode = ErrorCode.GroupAuthorizationFailed;
                    group.Topics.Clear();
                }
                else
                {
                    FilterTopics(request, group.Topics, named: asked?.Topics is not null);
                }
            }
        }
        else if (!request.IsAllowedOnGroup(AclOperation.Describe, message.GroupId))
        {
            response.ErrorCode = ErrorCode.GroupAuthorizationFailed;
            foreach (var topic in response.Topics)
                foreach (var partition in topic.Partitions)
                    (partition.ErrorCode, partition.CommittedOffset, partition.Metadata) = (ErrorCode.GroupAuthorizationFailed, -1, "");
            if (request.ApiVersion >= 2)
                response.Topics.Clear();
        }
        else
        {
            FilterTopics(request, response.Topics, named: message.Topics is not null);
        }
        return ValueTask.FromResult<OffsetFetchResponse?>(response);
    }

    private static void FilterTopics(RequestContext request, List<OffsetFetchResponse.Topic> topics, bool named)
    {
        if (!named)
        {
            topics.RemoveAll(t => !request.IsAllowedQuietly(AclOperation.Describe, AclResourceType.Topic, t.Name));
            return;
        }
        foreach (var topic in topics)
        {
            if (request.IsAllowedOnTopic(AclOperation.Describe, topic.Name))
                continue;
            foreach (var partition in topic.Partitions)
                (partition.ErrorCode, partition.CommittedOffset, partition.CommittedLeaderEpoch, partition.Metadata) = (ErrorCode.TopicAuthorizationFailed, -1, -1, "");
        }
    }
}
