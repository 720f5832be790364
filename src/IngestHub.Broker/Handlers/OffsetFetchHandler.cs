using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>OffsetFetch (key 9); v0 is served from the same store as v1+, v8+ answers for several groups.</summary>
public sealed class OffsetFetchHandler(GroupCoordinator coordinator) : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    protected override ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext request, OffsetFetchRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<OffsetFetchResponse?>(coordinator.FetchOffsets(message, request.ApiVersion));
}
