using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>ListGroups (key 16).</summary>
public sealed class ListGroupsHandler(GroupCoordinator coordinator) : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    protected override ValueTask<ListGroupsResponse?> HandleAsync(RequestContext request, ListGroupsRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ListGroupsResponse?>(coordinator.ListGroups(message));
}
