using IngestHub.Broker.Cluster;
using IngestHub.Broker.Groups;

namespace IngestHub.Broker.Handlers;

/// <summary>The handlers of every group API, served by one coordinator.</summary>
public static class GroupHandlers
{
    public static IEnumerable<ApiHandler> Create(GroupCoordinator coordinator, Func<string, CancellationToken, ValueTask<GroupCoordinatorEndpoint>> endpoint) =>
    [
        new OffsetCommitHandler(coordinator),
        new OffsetFetchHandler(coordinator),
        new FindCoordinatorHandler(endpoint),
        new JoinGroupHandler(coordinator),
        new HeartbeatHandler(coordinator),
        new LeaveGroupHandler(coordinator),
        new SyncGroupHandler(coordinator),
        new DescribeGroupsHandler(coordinator),
        new ListGroupsHandler(coordinator),
        new DeleteGroupsHandler(coordinator),
        new OffsetDeleteHandler(coordinator),
        new ConsumerGroupHeartbeatHandler(coordinator),
        new ConsumerGroupDescribeHandler(coordinator),
    ];
}
