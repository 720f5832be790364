using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Broker.Handlers;

/// <summary>A handler that decodes <typeparamref name="TRequest"/> and answers with <typeparamref name="TResponse"/>.</summary>
public abstract class ApiHandler<TRequest, TResponse> : ApiHandler
    where TRequest : IKafkaMessage<TRequest>
    where TResponse : class, IKafkaMessage<TResponse>
{
    public override ApiKey ApiKey => TRequest.ApiKey;
    /// <summary>The versions the declaration gives the request (the response is declared with the same range).</summary>
    public sealed override short MinVersion => TRequest.MinVersion;
    public sealed override short MaxVersion => TRequest.MaxVersion;

    public override async ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body);
        var message = TRequest.Read(ref reader, request.ApiVersion);
        var answer = await HandleAsync(request, message, cancellationToken);
        if (answer is null)
            return false;
        answer.Write(response, request.ApiVersion);
        return true;
    }

    /// <summary>Returns the response, or null when none is sent.</summary>
    protected abstract ValueTask<TResponse?> HandleAsync(RequestContext request, TRequest message, CancellationToken cancellationToken);
}
