using IngestHub.Broker.Network;
using IngestHub.Protocol.Acls;
using System.Globalization;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Protocol;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// What AlterConfigs and IncrementalAlterConfigs share: resolving a config resource (a topic, this broker by its
/// id, or the cluster-wide broker defaults by the empty name) and applying a change to its dynamic configs.
/// </summary>
public static class ConfigResources
{
    public const sbyte Topic = 2;
    public const sbyte Broker = 4;

    /// <summary>Applies <paramref name="change"/> to the resource's dynamic configs; returns the error and message.</summary>
    public static (ErrorCode Error, string? Message) Alter(TopicRegistry topics, BrokerOptions options, sbyte resourceType, string resourceName,
        Func<IReadOnlyDictionary<string, string>, (Dictionary<string, string>? Configs, ErrorCode Error, string? Message)> change, bool validateOnly)
    {
        string? message;
        switch (resourceType)
        {
            case Topic:
                var error = topics.AlterTopicConfigs(resourceName, change, validateOnly, out message);
                return (error, message);
            case Broker:
                bool clusterDefaults = resourceName.Length == 0;
                if (!clusterDefaults && resourceName != options.NodeId.ToString(CultureInfo.InvariantCulture))
                    return (ErrorCode.InvalidRequest, $"Unexpected broker id, expected {options.NodeId} or empty string, but received {resourceName}");
                error = topics.AlterBrokerConfigs(clusterDefaults, change, validateOnly, out message);
                return (error, message);
            default:
                return (ErrorCode.InvalidRequest, $"Unsupported resource type {resourceType}; topics (2) and brokers (4) have configs here");
        }
    }

    /// <summary>TOPIC_AUTHORIZATION_FAILED or CLUSTER_AUTHORIZATION_FAILED when the principal may not do
    /// <paramref name="operation"/> (DESCRIBE_CONFIGS, ALTER_CONFIGS) on a topic or broker resource; else NONE.</summary>
    public static ErrorCode Authorize(RequestContext request, sbyte resourceType, string resourceName, AclOperation operation) => resourceType switch
    {
        Topic when !request.IsAllowedOnTopic(operation, resourceName) => ErrorCode.TopicAuthorizationFailed,
        Broker when !request.IsAllowedOnCluster(operation) => ErrorCode.ClusterAuthorizationFailed,
        _ => ErrorCode.None,
    };

    /// <summary>Kafka's default of a config, to append to or subtract from when the resource has no value of its own.</summary>
    public static string? DefaultOf(sbyte resourceType, string name) =>
        resourceType == Topic && TopicConfig.TryGet(name, out var definition) ? definition.Default : null;

    /// <summary>Whether the config holds a comma-separated list (the only kind APPEND and SUBTRACT apply to).</summary>
    public static bool IsList(sbyte resourceType, string name) =>
        resourceType == Topic && TopicConfig.TryGet(name, out var definition) && definition.Kind == TopicConfigKind.List;

    /// <summary>Names each resource that appears more than once in a request; each such one is refused.</summary>
    public static HashSet<(sbyte, string)> Duplicates(IEnumerable<(sbyte Type, string Name)> resources)
    {
        var seen = new HashSet<(sbyte, string)>();
        var duplicates = new HashSet<(sbyte, string)>();
        foreach (var resource in resources)
        {
            if (!seen.Add(resource))
                duplicates.Add(resource);
        }
        return duplicates;
    }
}
