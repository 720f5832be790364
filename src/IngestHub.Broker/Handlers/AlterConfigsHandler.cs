using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>AlterConfigs (key 33): replaces the whole set of a topic's or broker's dynamic configs with the ones
/// given (configs not named return to their defaults), validated first, persisted and applied at once.</summary>
public sealed class AlterConfigsHandler(TopicRegistry topics, BrokerOptions options) : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    protected override ValueTask<AlterConfigsResponse?> HandleAsync(RequestContext request, AlterConfigsRequest message, CancellationToken cancellationToken)
    {
        var response = new AlterConfigsResponse();
        var duplicates = ConfigResources.Duplicates(message.Resources.Select(r => (r.ResourceType, r.ResourceName)));
        foreach (var resource in message.Resources)
        {
            var result = new AlterConfigsResponse.Result { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            response.Responses.Add(result);
            if (duplicates.Contains((resource.ResourceType, resource.ResourceName)))
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, "The resource is named more than once in the request");
                continue;
            }
            if (ConfigResources.Authorize(request, resource.ResourceType, resource.ResourceName, Protocol.Acls.AclOperation.AlterConfigs) is not ErrorCode.None and var denied)
            {
                result.ErrorCode = denied;
                continue;
            }
            (result.ErrorCode, result.ErrorMessage) = ConfigResources.Alter(topics, options, resource.ResourceType, resource.ResourceName,
                _ => Replacement(resource), message.ValidateOnly);
        }
        return ValueTask.FromResult<AlterConfigsResponse?>(response);
    }

    private static (Dictionary<string, string>?, ErrorCode, string?) Replacement(AlterConfigsRequest.Resource resource)
    {
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var config in resource.Configs)
        {
            if (config.Value is null)
                return (null, ErrorCode.InvalidRequest, $"Null value not supported for config {config.Name}");
            if (!configs.TryAdd(config.Name, config.Value))
                return (null, ErrorCode.InvalidRequest, $"Config {config.Name} is given more than once");
        }
        return (configs, ErrorCode.None, null);
    }
}
