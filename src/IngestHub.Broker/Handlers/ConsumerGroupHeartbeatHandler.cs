using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>ConsumerGroupHeartbeat (key 68): membership and server-side assignment of the consumer group protocol.
/// Needs READ on the group and DESCRIBE on every subscribed topic.</summary>
public sealed class ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator) : ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>
{
    protected override ValueTask<ConsumerGroupHeartbeatResponse?> HandleAsync(RequestContext request, ConsumerGroupHeartbeatRequest message, CancellationToken cancellationToken)
    {
        if (!request.IsAllowedOnGroup(AclOperation.Read, message.GroupId))
            return ValueTask.FromResult<ConsumerGroupHeartbeatResponse?>(new ConsumerGroupHeartbeatResponse { ErrorCode = ErrorCode.GroupAuthorizationFailed });
        var denied = message.SubscribedTopicNames?.Where(t => !request.IsAllowedOnTopic(AclOperation.Describe, t)).ToList() ?? [];
        if (denied.Count > 0)
        {
            return ValueTask.FromResult<ConsumerGroupHeartbeatResponse?>(new ConsumerGroupHeartbeatResponse
            {
                ErrorCode = ErrorCode.TopicAuthorizationFailed,
                ErrorMessage = "Not authorized to describe topics: " + string.Join(", ", denied),
            });
        }
        return ValueTask.FromResult<ConsumerGroupHeartbeatResponse?>(coordinator.ConsumerGroupHeartbeat(message, request.ClientId ?? "", request.Connection.ClientHost));
    }
}
