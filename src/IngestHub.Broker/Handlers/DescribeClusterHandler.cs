using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DescribeCluster (key 60): the cluster id, this broker as the only broker and as the controller.
/// Asking for controller endpoints (v1 endpoint type 2) is refused as a broker does (UNSUPPORTED_ENDPOINT_TYPE);
/// authorized operations are not tracked and stay at Kafka's "not requested" value.</summary>
public sealed class DescribeClusterHandler(BrokerIdentity identity) : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    private const sbyte BrokersEndpoint = 1;

    protected override ValueTask<DescribeClusterResponse?> HandleAsync(RequestContext request, DescribeClusterRequest message, CancellationToken cancellationToken)
    {
        var response = new DescribeClusterResponse { EndpointType = message.EndpointType, ClusterId = identity.ClusterId };
        if (message.EndpointType != BrokersEndpoint)
        {
            response.ErrorCode = ErrorCode.UnsupportedEndpointType;
            response.ErrorMessage = "The request was sent to a broker, which only describes broker endpoints";
            return ValueTask.FromResult<DescribeClusterResponse?>(response);
        }
        response.ControllerId = identity.NodeId;
        response.Brokers.Add(new DescribeClusterResponse.Broker { BrokerId = identity.NodeId, Host = identity.Host, Port = identity.Port });
        return ValueTask.FromResult<DescribeClusterResponse?>(response);
    }
}
