using IngestHub.Broker.Cluster;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>FindCoordinator (key 10): a single broker coordinates every group; in cluster mode a group's coordinator
/// is the leader of its <c>__consumer_offsets</c> partition (COORDINATOR_NOT_AVAILABLE while it has none).
/// Transactions are not offered. v4+ asks for many keys at once and gets one answer per key. Needs DESCRIBE on the
/// group (or transactional id).</summary>
public sealed class FindCoordinatorHandler(Func<string, CancellationToken, ValueTask<GroupCoordinatorEndpoint>> endpoint) : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;
    private const string NoTransactions = "Transactions are not supported";

    protected override async ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext request, FindCoordinatorRequest message, CancellationToken cancellationToken)
    {
        bool groups = message.KeyType == GroupKeyType;
        var response = new FindCoordinatorResponse();
        if (request.ApiVersion >= 4)
        {
            foreach (string key in message.CoordinatorKeys)
            {
                if (Denied(request, groups, key) is { } denied)
                {
                    response.Coordinators.Add(new FindCoordinatorResponse.Coordinator { Key = key, NodeId = -1, Host = "", Port = -1, ErrorCode = denied });
                    continue;
                }
                if (!groups)
                {
                    response.Coordinators.Add(new FindCoordinatorResponse.Coordinator { Key = key, NodeId = -1, Port = -1, ErrorCode = ErrorCode.CoordinatorNotAvailable, ErrorMessage = NoTransactions });
                    continue;
                }
                var (error, nodeId, host, port) = await LocateAsync(request, key, cancellationToken);
                response.Coordinators.Add(error == ErrorCode.None
                    ? new FindCoordinatorResponse.Coordinator { Key = key, NodeId = nodeId, Host = host, Port = port }
                    : new FindCoordinatorResponse.Coordinator { Key = key, NodeId = -1, Host = "", Port = -1, ErrorCode = error });
            }
            return response;
        }
        if (Denied(request, groups, message.Key) is { } refused)
        {
            (response.ErrorCode, response.NodeId, response.Host, response.Port) = (refused, -1, "", -1);
            return response;
        }
        if (!groups)
        {
            response.ErrorCode = ErrorCode.CoordinatorNotAvailable;
            response.ErrorMessage = NoTransactions;
            response.NodeId = -1;
            return response;
        }
        (response.ErrorCode, response.NodeId, response.Host, response.Port) = await LocateAsync(request, message.Key, cancellationToken);
        if (response.ErrorCode != ErrorCode.None)
            (response.NodeId, response.Host, response.Port) = (-1, "", -1);
        return response;
    }

    /// <summary>The group's coordinator; when it is this broker, the address of the listener the request came in on.</summary>
    private async ValueTask<(ErrorCode Error, int NodeId, string Host, int Port)> LocateAsync(RequestContext request, string groupId, CancellationToken cancellationToken)
    {
        var found = await endpoint(groupId, cancellationToken);
        if (found.Error != ErrorCode.None)
            return (found.Error, -1, "", -1);
        if (found.Self && request.Connection.Advertised is { } advertised)
            return (ErrorCode.None, found.NodeId, advertised.Host, advertised.Port);
        return (ErrorCode.None, found.NodeId, found.Host, found.Port);
    }

    private static ErrorCode? Denied(RequestContext request, bool group, string key) => group
        ? request.IsAllowedOnGroup(AclOperation.Describe, key) ? null : ErrorCode.GroupAuthorizationFailed
        : request.IsAllowed(AclOperation.Describe, AclResourceType.TransactionalId, key) ? null : ErrorCode.TransactionalIdAuthorizationFailed;
}
