using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>CreatePartitions (key 37): grows a topic to a new partition count. Existing records stay
/// where they are (hash(key) % n changes for new records, as in Kafka).</summary>
public sealed class CreatePartitionsHandler(TopicRegistry topics, BrokerOptions options) : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    protected override ValueTask<CreatePartitionsResponse?> HandleAsync(RequestContext request, CreatePartitionsRequest message, CancellationToken cancellationToken)
    {
        var response = new CreatePartitionsResponse();
        foreach (var topic in message.Topics)
        {
            var result = new CreatePartitionsResponse.TopicResult { Name = topic.Name };
            response.Results.Add(result);
            if (!request.IsAllowedOnTopic(Protocol.Acls.AclOperation.Alter, topic.Name))
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.TopicAuthorizationFailed, "Authorization failed.");
                continue;
            }
            if (topic.Assignments is not null)
            {
                foreach (var assignment in topic.Assignments)
                {
                    if (assignment.BrokerIds.Count != 1 || assignment.BrokerIds[0] != options.NodeId)
                    {
                        result.ErrorCode = ErrorCode.InvalidReplicaAssignment;
                        result.ErrorMessage = $"Replica assignments must name only broker {options.NodeId}.";
                        break;
                    }
                }
                if (result.ErrorCode != ErrorCode.None)
                    continue;
            }
            result.ErrorCode = topics.AddPartitions(topic.Name, topic.Count, message.ValidateOnly, out var error);
            result.ErrorMessage = result.ErrorCode == ErrorCode.None ? null : error;
        }
        return ValueTask.FromResult<CreatePartitionsResponse?>(response);
    }
}
