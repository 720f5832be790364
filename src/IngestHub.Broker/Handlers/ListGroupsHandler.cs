using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>ListGroups (key 16) v0–2.</summary>
public sealed class ListGroupsHandler(GroupCoordinator coordinator) : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<ListGroupsResponse?> HandleAsync(RequestContext request, ListGroupsRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ListGroupsResponse?>(coordinator.ListGroups());
}
