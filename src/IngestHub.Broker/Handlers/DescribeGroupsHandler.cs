using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DescribeGroups (key 15) v0–4.</summary>
public sealed class DescribeGroupsHandler(GroupCoordinator coordinator) : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext request, DescribeGroupsRequest message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DescribeGroupsResponse?>(coordinator.DescribeGroups(message));
}
