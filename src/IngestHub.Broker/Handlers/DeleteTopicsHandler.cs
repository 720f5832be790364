using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DeleteTopics (key 20): removes the topic and its partition directories. v6 names each topic by name
/// or by id.</summary>
public sealed class DeleteTopicsHandler(TopicRegistry topics) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    protected override ValueTask<DeleteTopicsResponse?> HandleAsync(RequestContext request, DeleteTopicsRequest message, CancellationToken cancellationToken)
    {
        var response = new DeleteTopicsResponse();
        if (request.ApiVersion < 6)
        {
            foreach (var name in message.TopicNames)
                response.Topics.Add(new DeleteTopicsResponse.TopicResult { Name = name, ErrorCode = Delete(request, name) });
            return ValueTask.FromResult<DeleteTopicsResponse?>(response);
        }
        foreach (var wanted in message.Topics)
        {
            var result = new DeleteTopicsResponse.TopicResult { Name = wanted.Name, TopicId = wanted.TopicId };
            response.Topics.Add(result);
            if (wanted.Name is null)
            {
                if (!topics.TryGetTopic(wanted.TopicId, out var byId))
                {
                    result.ErrorCode = ErrorCode.UnknownTopicId;
                    continue;
                }
                result.Name = byId.Name;
            }
            else if (topics.TryGetTopic(wanted.Name, out var byName))
            {
                result.TopicId = byName.TopicId;
            }
            result.ErrorCode = Delete(request, result.Name!);
        }
        return ValueTask.FromResult<DeleteTopicsResponse?>(response);
    }

    /// <summary>Deleting needs DELETE on the topic.</summary>
    private ErrorCode Delete(RequestContext request, string name) =>
        request.IsAllowedOnTopic(Protocol.Acls.AclOperation.Delete, name) ? topics.DeleteTopic(name) : ErrorCode.TopicAuthorizationFailed;
}
