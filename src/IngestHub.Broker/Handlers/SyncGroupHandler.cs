using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>SyncGroup (key 14).</summary>
public sealed class SyncGroupHandler(GroupCoordinator coordinator) : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext request, SyncGroupRequest message, CancellationToken cancellationToken) =>
        await coordinator.SyncGroupAsync(message, cancellationToken);
}
