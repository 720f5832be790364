using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>JoinGroup (key 11); v4+ joins with an empty member id get MEMBER_ID_REQUIRED, v5 adds static membership.</summary>
public sealed class JoinGroupHandler(GroupCoordinator coordinator) : ApiHandler<JoinGroupRequest, JoinGroupResponse>
{
    protected override async ValueTask<JoinGroupResponse?> HandleAsync(RequestContext request, JoinGroupRequest message, CancellationToken cancellationToken) =>
        await coordinator.JoinGroupAsync(message, request.ApiVersion, request.ClientId ?? "", request.Connection.ClientHost, cancellationToken);
}
