using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DescribeGroups (key 15).</summary>
public sealed class DescribeGroupsHandler(GroupCoordinator coordinator) : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    protected override ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext request, DescribeGroupsRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DescribeGroupsResponse?>(coordinator.DescribeGroups(message));
}
