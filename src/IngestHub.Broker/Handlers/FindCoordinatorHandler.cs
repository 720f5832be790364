using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>FindCoordinator (key 10): this broker coordinates every group; transactions are not offered. v4+
/// asks for many keys at once and gets one answer per key. Needs DESCRIBE on the group (or transactional id).</summary>
public sealed class FindCoordinatorHandler(Func<(int NodeId, string Host, int Port)> endpoint) : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;
    private const string NoTransactions = "Transactions are not supported";

    protected override ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext request, FindCoordinatorRequest message, CancellationToken cancellationToken)
    {
        var (nodeId, host, port) = endpoint();
        if (request.Connection.Advertised is { } advertised)
            (host, port) = (advertised.Host, advertised.Port);
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
                response.Coordinators.Add(groups
                    ? new FindCoordinatorResponse.Coordinator { Key = key, NodeId = nodeId, Host = host, Port = port }
                    : new FindCoordinatorResponse.Coordinator { Key = key, NodeId = -1, Port = -1, ErrorCode = ErrorCode.CoordinatorNotAvailable, ErrorMessage = NoTransactions });
            }
            return ValueTask.FromResult<FindCoordinatorResponse?>(response);
        }
        if (Denied(request, groups, message.Key) is { } refused)
        {
            (response.ErrorCode, response.NodeId, response.Host, response.Port) = (refused, -1, "", -1);
            return ValueTask.FromResult<FindCoordinatorResponse?>(response);
        }
        if (!groups)
        {
            response.ErrorCode = ErrorCode.CoordinatorNotAvailable;
            response.ErrorMessage = NoTransactions;
            response.NodeId = -1;
            return ValueTask.FromResult<FindCoordinatorResponse?>(response);
        }
        response.NodeId = nodeId;
        response.Host = host;
        response.Port = port;
        return ValueTask.FromResult<FindCoordinatorResponse?>(response);
    }

    private static ErrorCode? Denied(RequestContext request, bool group, string key) => group
        ? request.IsAllowedOnGroup(AclOperation.Describe, key) ? null : ErrorCode.GroupAuthorizationFailed
        : request.IsAllowed(AclOperation.Describe, AclResourceType.TransactionalId, key) ? null : ErrorCode.TransactionalIdAuthorizationFailed;
}
