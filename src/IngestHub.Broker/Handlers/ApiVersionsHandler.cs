using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// ApiVersions (key 18). The advertised list is built from the handler registry. An unsupported version
/// is answered as Kafka does: error UNSUPPORTED_VERSION with a v0 body, so the client can retry lower
/// (librdkafka sends v3 first and falls back to min(2, our max)).
/// </summary>
public sealed class ApiVersionsHandler(Func<IEnumerable<ApiHandler>> registry) : ApiHandler
{
    public override ApiKey ApiKey => ApiKey.ApiVersions;
    public override short MinVersion => ApiVersionsRequest.MinVersion;
    public override short MaxVersion => ApiVersionsRequest.MaxVersion;

    public override ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var answer = new ApiVersionsResponse { ErrorCode = ErrorCode.None };
        foreach (var handler in registry())
            answer.ApiKeys.Add(new ApiVersionsResponse.ApiVersionRange { ApiKey = handler.ApiKey, MinVersion = handler.MinVersion, MaxVersion = handler.MaxVersion });
        if (!request.VersionSupported)
        {
            answer.ErrorCode = ErrorCode.UnsupportedVersion;
            answer.Write(response, 0);
            return ValueTask.FromResult(true);
        }
        // The v3 body carries the client's software name and version; nothing here depends on them, but the
        // body must parse.
        var reader = new KafkaReader(request.Body);
        ApiVersionsRequest.Read(ref reader, request.ApiVersion);
        answer.Write(response, request.ApiVersion);
        return ValueTask.FromResult(true);
    }
}
