using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>OffsetCommit (key 8); acknowledged once the offsets are fsynced.</summary>
public sealed class OffsetCommitHandler(GroupCoordinator coordinator) : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    protected override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext request, OffsetCommitRequest message, CancellationToken cancellationToken) =>
        await coordinator.CommitOffsetsAsync(message, cancellationToken);
}
