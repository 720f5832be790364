using System.Globalization;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Storage;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// DescribeConfigs (key 32) for topics (effective values; overrides reported as DYNAMIC_TOPIC_CONFIG,
/// the rest as DEFAULT_CONFIG) and for this broker.
/// </summary>
public sealed class DescribeConfigsHandler(TopicRegistry topics, BrokerOptions options) : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte DynamicBrokerConfig = 2;
    private const sbyte DynamicDefaultBrokerConfig = 3;
    private const sbyte StaticBrokerConfig = 4;
    private const sbyte DefaultConfig = 5;
    private const sbyte TypeBoolean = 1;
    private const sbyte TypeString = 2;
    private const sbyte TypeInt = 3;
    private const sbyte TypeLong = 5;

    protected override ValueTask<DescribeConfigsResponse?> HandleAsync(RequestContext request, DescribeConfigsRequest message, CancellationToken cancellationToken)
    {
        var response = new DescribeConfigsResponse();
        foreach (var resource in message.Resources)
        {
            var result = new DescribeConfigsResponse.Result { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            response.Results.Add(result);
            if (ConfigResources.Authorize(request, resource.ResourceType, resource.ResourceName, Protocol.Acls.AclOperation.DescribeConfigs) is not ErrorCode.None and var denied)
            {
                result.ErrorCode = denied;
                continue;
            }
            List<(string Name, string Value, sbyte Source, sbyte Type)> entries;
            if (resource.ResourceType == TopicResource)
            {
                if (!topics.TryGetTopic(resource.ResourceName, out var topic))
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    result.ErrorMessage = $"Topic {resource.ResourceName} does not exist";
                    continue;
                }
                entries = TopicEntries(topic);
            }
            else if (resource.ResourceType == BrokerResource)
            {
                if (resource.ResourceName.Length > 0 && resource.ResourceName != options.NodeId.ToString(CultureInfo.InvariantCulture))
                {
                    result.ErrorCode = ErrorCode.InvalidRequest;
                    result.ErrorMessage = $"Unexpected broker id, expected {options.NodeId} but received {resource.ResourceName}";
                    continue;
                }
                entries = BrokerEntries();
            }
            else
            {
                result.ErrorCode = ErrorCode.InvalidRequest;
                result.ErrorMessage = $"Unsupported resource type {resource.ResourceType}";
                continue;
            }
            foreach (var (name, value, source, type) in entries)
            {
                if (resource.ConfigurationKeys is { } keys && !keys.Contains(name))
                    continue;
                var config = new DescribeConfigsResponse.Config
                {
                    Name = name,
                    Value = value,
                    ReadOnly = resource.ResourceType == BrokerResource && !BrokerConfig.Dynamic.ContainsKey(name),
                    IsDefault = source == DefaultConfig,
                    ConfigSource = source,
                    ConfigType = type,
                };
                if (message.IncludeSynonyms)
                    config.Synonyms.Add(new DescribeConfigsResponse.Synonym { Name = name, Value = value, Source = source });
                result.Configs.Add(config);
            }
        }
        return ValueTask.FromResult<DescribeConfigsResponse?>(response);
    }

    /// <summary>Every topic config Kafka defines: the effective value of those applied here, the override or
    /// Kafka's default for the rest.</summary>
    private static List<(string, string, sbyte, sbyte)> TopicEntries(TopicState topic)
    {
        LogConfig config = topic.LogConfig;
        static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
        var entries = new List<(string, string, sbyte, sbyte)>(TopicConfig.Definitions.Count);
        foreach (var definition in TopicConfig.Definitions)
        {
            bool overridden = topic.Configs.TryGetValue(definition.Name, out string? set);
            string value = definition.Name switch
            {
                TopicConfig.RetentionMs => S(config.RetentionMs),
                TopicConfig.RetentionBytes => S(config.RetentionBytes),
                TopicConfig.SegmentBytes => S(config.SegmentBytes),
                TopicConfig.SegmentMs => S(config.SegmentMs),
                TopicConfig.IndexIntervalBytes => S(config.IndexIntervalBytes),
                TopicConfig.MaxMessageBytes => S(config.MaxMessageBytes),
                TopicConfig.FlushMessages => S(config.FlushMessages),
                TopicConfig.FlushMs => S(config.FlushMs),
                TopicConfig.MessageTimestampType => config.MessageTimestampType == TimestampType.LogAppendTime ? "LogAppendTime" : "CreateTime",
                _ => overridden ? set! : definition.Default,
            };
            entries.Add((definition.Name, value, overridden ? DynamicTopicConfig : DefaultConfig, (sbyte)definition.Kind));
        }
        return entries;
    }

    /// <summary>The broker's configs; the dynamic ones at this broker's value, else the cluster default, else the
    /// static setting.</summary>
    private List<(string, string, sbyte, sbyte)> BrokerEntries()
    {
        static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
        var broker = topics.DynamicBrokerConfigs(clusterDefaults: false);
        var defaults = topics.DynamicBrokerConfigs(clusterDefaults: true);
        (string, string, sbyte, sbyte) Dynamic(string name, string value, sbyte type) =>
            broker.TryGetValue(name, out var own) ? (name, own, DynamicBrokerConfig, type)
            : defaults.TryGetValue(name, out var shared) ? (name, shared, DynamicDefaultBrokerConfig, type)
            : (name, value, StaticBrokerConfig, type);
        return
        [
            ("node.id", S(options.NodeId), StaticBrokerConfig, TypeInt),
            ("auto.create.topics.enable", options.AutoCreateTopicsEnable ? "true" : "false", StaticBrokerConfig, TypeBoolean),
            ("num.partitions", S(options.NumPartitions), StaticBrokerConfig, TypeInt),
            Dynamic("log.retention.ms", S(options.LogRetentionMs), TypeLong),
            Dynamic("log.retention.bytes", S(options.LogRetentionBytes), TypeLong),
            Dynamic("log.segment.bytes", S(options.LogSegmentBytes), TypeInt),
            Dynamic("log.roll.ms", S(options.LogRollMs), TypeLong),
            Dynamic("log.index.interval.bytes", "4096", TypeInt),
            Dynamic("message.max.bytes", S(options.MessageMaxBytes), TypeInt),
            Dynamic("log.flush.interval.messages", S(options.LogFlushIntervalMessages ?? long.MaxValue), TypeLong),
            Dynamic("log.flush.interval.ms", options.LogFlushIntervalMs is { } flushMs ? S(flushMs) : "null", TypeLong),
            Dynamic("log.message.timestamp.type", "CreateTime", TypeString),
            ("socket.request.max.bytes", S(options.SocketRequestMaxBytes), StaticBrokerConfig, TypeInt),
            ("connections.max.idle.ms", S(options.ConnectionsMaxIdleMs), StaticBrokerConfig, TypeLong),
            ("offsets.retention.minutes", S(options.OffsetsRetentionMinutes), StaticBrokerConfig, TypeInt),
        ];
    }
}
