using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs (key 44): changes single dynamic configs of a topic or broker — SET a value, DELETE
/// an override (back to the default), APPEND to or SUBTRACT from a list config — leaving the others as they are.
/// The result is validated as a whole, persisted and applied at once.
/// </summary>
public sealed class IncrementalAlterConfigsHandler(TopicRegistry topics, BrokerOptions options) : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    private const sbyte Set = 0;
    private const sbyte Delete = 1;
    private const sbyte Append = 2;
    private const sbyte Subtract = 3;

    protected override ValueTask<IncrementalAlterConfigsResponse?> HandleAsync(RequestContext request, IncrementalAlterConfigsRequest message, CancellationToken cancellationToken)
    {
        var response = new IncrementalAlterConfigsResponse();
        var duplicates = ConfigResources.Duplicates(message.Resources.Select(r => (r.ResourceType, r.ResourceName)));
        foreach (var resource in message.Resources)
        {
            var result = new IncrementalAlterConfigsResponse.Result { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
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
                current => Changed(resource, current), message.ValidateOnly);
        }
        return ValueTask.FromResult<IncrementalAlterConfigsResponse?>(response);
    }

    private static (Dictionary<string, string>?, ErrorCode, string?) Changed(IncrementalAlterConfigsRequest.Resource resource, IReadOnlyDictionary<string, string> current)
    {
        var configs = new Dictionary<string, string>(current, StringComparer.Ordinal);
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var config in resource.Configs)
        {
            if (!named.Add(config.Name))
                return (null, ErrorCode.InvalidRequest, $"Error due to duplicate config keys: {config.Name}");
            switch (config.ConfigOperation)
            {
                case Set:
                    if (config.Value is null)
                        return (null, ErrorCode.InvalidRequest, $"Null value not supported for config {config.Name}");
                    configs[config.Name] = config.Value;
                    break;
                case Delete:
                    configs.Remove(config.Name);
                    break;
                case Append or Subtract:
                    if (!ConfigResources.IsList(resource.ResourceType, config.Name))
                        return (null, ErrorCode.InvalidConfig, $"Config value {(config.ConfigOperation == Append ? "append" : "subtract")} is not allowed for config key: {config.Name}");
                    var items = ListOf(configs.TryGetValue(config.Name, out var value) ? value : ConfigResources.DefaultOf(resource.ResourceType, config.Name));
                    foreach (string item in ListOf(config.Value))
                    {
                        if (config.ConfigOperation == Append && !items.Contains(item))
                            items.Add(item);
                        else if (config.ConfigOperation == Subtract)
                            items.Remove(item);
                    }
                    configs[config.Name] = string.Join(',', items);
                    break;
                default:
                    return (null, ErrorCode.InvalidRequest, $"Unknown config operation {config.ConfigOperation} for config {config.Name}");
            }
        }
        return (configs, ErrorCode.None, null);
    }

    private static List<string> ListOf(string? value) =>
        value is null ? [] : [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
}
