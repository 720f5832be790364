using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>FindCoordinator (key 10): this broker coordinates every group; transactions are not offered.</summary>
public sealed class FindCoordinatorHandler(Func<(int NodeId, string Host, int Port)> endpoint) : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;

    protected override ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext request, FindCoordinatorRequest message, CancellationToken cancellationToken)
    {
        if (message.KeyType != GroupKeyType)
        {
            return ValueTask.FromResult<FindCoordinatorResponse?>(new FindCoordinatorResponse
            {
                ErrorCode = ErrorCode.CoordinatorNotAvailable,
                ErrorMessage = "Transactions are not supported",
                NodeId = -1,
            });
        }
        var (nodeId, host, port) = endpoint();
        return ValueTask.FromResult<FindCoordinatorResponse?>(new FindCoordinatorResponse { ErrorCode = ErrorCode.None, NodeId = nodeId, Host = host, Port = port });
    }
}
