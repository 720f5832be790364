using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// InitProducerId (key 22) for idempotent producers: a fresh, never-reused producer id with epoch 0.
/// Transactions are not offered, so a transactional id is refused.
/// </summary>
public sealed class InitProducerIdHandler(ProducerIdAllocator allocator) : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    protected override ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext request, InitProducerIdRequest message, CancellationToken cancellationToken)
    {
        if (message.TransactionalId is not null)
            return ValueTask.FromResult<InitProducerIdResponse?>(new InitProducerIdResponse { ErrorCode = ErrorCode.TransactionalIdAuthorizationFailed });
        // An idempotent producer needs IDEMPOTENT_WRITE on the cluster.
        if (!request.IsAllowedOnCluster(Protocol.Acls.AclOperation.IdempotentWrite))
            return ValueTask.FromResult<InitProducerIdResponse?>(new InitProducerIdResponse { ErrorCode = ErrorCode.ClusterAuthorizationFailed, ProducerId = -1, ProducerEpoch = -1 });
        return ValueTask.FromResult<InitProducerIdResponse?>(new InitProducerIdResponse { ProducerId = allocator.Allocate(), ProducerEpoch = 0 });
    }
}
