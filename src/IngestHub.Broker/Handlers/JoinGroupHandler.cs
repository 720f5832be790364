using IngestHub.Broker.Groups;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>JoinGroup (key 11); v4+ joins with an empty member id get MEMBER_ID_REQUIRED, v5 adds static membership.
/// Needs READ on the group.</summary>
public sealed class JoinGroupHandler(GroupCoordinator coordinator) : ApiHandler<JoinGroupRequest, JoinGroupResponse>
{
    protected override async ValueTask<JoinGroupResponse?> HandleAsync(RequestContext request, JoinGroupRequest message, CancellationToken cancellationToken)
    {
        if (!request.IsAllowedOnGroup(AclOperation.Read, message.GroupId))
            return new JoinGroupResponse { ErrorCode = ErrorCode.GroupAuthorizationFailed, MemberId = "", Leader = "", ProtocolName = request.ApiVersion >= 7 ? null : "" };
        return await coordinator.JoinGroupAsync(message, request.ApiVersion, request.ClientId ?? "", request.Connection.ClientHost, cancellationToken);
    }
}
