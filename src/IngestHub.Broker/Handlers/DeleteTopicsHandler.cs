using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DeleteTopics (key 20): removes the topic and its partition directories.</summary>
public sealed class DeleteTopicsHandler(TopicRegistry topics) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    protected override ValueTask<DeleteTopicsResponse?> HandleAsync(RequestContext request, DeleteTopicsRequest message, CancellationToken cancellationToken)
    {
        var response = new DeleteTopicsResponse();
        foreach (var name in message.TopicNames)
            response.Topics.Add(new DeleteTopicsResponse.TopicResult { Name = name, ErrorCode = topics.DeleteTopic(name) });
        return ValueTask.FromResult<DeleteTopicsResponse?>(response);
    }
}
