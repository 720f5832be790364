using System.Globalization;

namespace IngestHub.Broker;

/// <summary>A broker setting whose value the broker cannot run with; the message names the setting (its
/// configuration key under <c>broker:</c> and Kafka's name) and the value.</summary>
public sealed class BrokerOptionsException(string message) : ArgumentException(message);

/// <summary>
/// The range checks of <see cref="BrokerOptions"/>: every size, count and time limit must be in the range Kafka
/// accepts for the same setting (most must be positive; some allow 0 or -1 for "off" or "unlimited"). Run at
/// startup, so a bad value stops the broker with a message instead of misbehaving later.
/// </summary>
public static class BrokerOptionsValidation
{
    /// <summary>Every problem found, one line each (empty when the options are usable).</summary>
    public static IReadOnlyList<string> Problems(BrokerOptions options)
    {
        var problems = new List<string>();
        void AtLeast(long value, long minimum, string key, string kafkaName)
        {
            if (value < minimum)
            {
                string range = minimum switch
                {
                    1 => "must be positive",
                    0 => "must not be negative",
                    -1 => "must be -1 (unlimited) or more",
                    _ => $"must be at least {minimum.ToString(CultureInfo.InvariantCulture)}",
                };
                problems.Add($"broker:{key} ({kafkaName}) {range}, not {value.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        AtLeast(options.NodeId, 0, nameof(options.NodeId), "node.id");
        if (options.Port is < 0 or > 65535)
            problems.Add($"broker:{nameof(options.Port)} must be a port from 0 (any free port) to 65535, not {options.Port.ToString(CultureInfo.InvariantCulture)}");
        if (options.AdvertisedPort is { } advertised and (< 1 or > 65535))
            problems.Add($"broker:{nameof(options.AdvertisedPort)} must be a port from 1 to 65535, not {advertised.ToString(CultureInfo.InvariantCulture)}");

        AtLeast(options.ConnectionFailedAuthenticationDelayMs, 0, nameof(options.ConnectionFailedAuthenticationDelayMs), "connection.failed.authentication.delay.ms");
        AtLeast(options.SocketRequestMaxBytes, 1, nameof(options.SocketRequestMaxBytes), "socket.request.max.bytes");
        AtLeast(options.ConnectionsMaxIdleMs, 1, nameof(options.ConnectionsMaxIdleMs), "connections.max.idle.ms");
        AtLeast(options.RequestReceiveTimeoutMs, 1, nameof(options.RequestReceiveTimeoutMs), "the time a started request has to arrive");
        AtLeast(options.MaxConnections, 1, nameof(options.MaxConnections), "max.connections");
        AtLeast(options.MaxConnectionsPerIp, 0, nameof(options.MaxConnectionsPerIp), "max.connections.per.ip");
        foreach (var (name, listener) in options.ListenerOverrides)
        {
            if (listener.MaxConnections is { } max)
                AtLeast(max, 0, $"ListenerOverrides:{name}:{nameof(listener.MaxConnections)}", $"listener.name.{name.ToLowerInvariant()}.max.connections");
            if (listener.SocketRequestMaxBytes is { } bytes)
                AtLeast(bytes, 1, $"ListenerOverrides:{name}:{nameof(listener.SocketRequestMaxBytes)}", $"listener.name.{name.ToLowerInvariant()}.socket.request.max.bytes");
        }
        for (int i = 0; i < options.Quotas.Count; i++)
        {
            var quota = options.Quotas[i];
            if (quota.ProducerByteRate is { } produce)
                AtLeast(produce, 1, $"Quotas:{i.ToString(CultureInfo.InvariantCulture)}:{nameof(quota.ProducerByteRate)}", "producer_byte_rate");
            if (quota.ConsumerByteRate is { } consume)
                AtLeast(consume, 1, $"Quotas:{i.ToString(CultureInfo.InvariantCulture)}:{nameof(quota.ConsumerByteRate)}", "consumer_byte_rate");
        }

        AtLeast(options.MaxBrokerPartitions, 1, nameof(options.MaxBrokerPartitions), "max.broker.partitions");
        AtLeast(options.NumPartitions, 1, nameof(options.NumPartitions), "num.partitions");
        AtLeast(options.LogRetentionMs, -1, nameof(options.LogRetentionMs), "log.retention.ms");
        AtLeast(options.LogRetentionBytes, -1, nameof(options.LogRetentionBytes), "log.retention.bytes");
        // Kafka's floor for log.segment.bytes: one record batch header must fit.
        AtLeast(options.LogSegmentBytes, 14, nameof(options.LogSegmentBytes), "log.segment.bytes");
        AtLeast(options.LogRollMs, 1, nameof(options.LogRollMs), "log.roll.ms");
        AtLeast(options.MessageMaxBytes, 0, nameof(options.MessageMaxBytes), "message.max.bytes");
        AtLeast(options.LogRetentionCheckIntervalMs, 1, nameof(options.LogRetentionCheckIntervalMs), "log.retention.check.interval.ms");
        if (options.LogFlushIntervalMessages is { } messages)
            AtLeast(messages, 1, nameof(options.LogFlushIntervalMessages), "log.flush.interval.messages");
        if (options.LogFlushIntervalMs is { } flushMs)
            AtLeast(flushMs, 0, nameof(options.LogFlushIntervalMs), "log.flush.interval.ms");

        AtLeast(options.GroupInitialRebalanceDelayMs, 0, nameof(options.GroupInitialRebalanceDelayMs), "group.initial.rebalance.delay.ms");
        AtLeast(options.GroupMinSessionTimeoutMs, 1, nameof(options.GroupMinSessionTimeoutMs), "group.min.session.timeout.ms");
        AtLeast(options.GroupMaxSessionTimeoutMs, 1, nameof(options.GroupMaxSessionTimeoutMs), "group.max.session.timeout.ms");
        if (options.GroupMinSessionTimeoutMs >= 1 && options.GroupMaxSessionTimeoutMs < options.GroupMinSessionTimeoutMs)
            problems.Add($"broker:{nameof(options.GroupMaxSessionTimeoutMs)} (group.max.session.timeout.ms) must not be below broker:{nameof(options.GroupMinSessionTimeoutMs)} " +
                $"({options.GroupMaxSessionTimeoutMs.ToString(CultureInfo.InvariantCulture)} < {options.GroupMinSessionTimeoutMs.ToString(CultureInfo.InvariantCulture)})");
        AtLeast(options.GroupConsumerHeartbeatIntervalMs, 1, nameof(options.GroupConsumerHeartbeatIntervalMs), "group.consumer.heartbeat.interval.ms");
        AtLeast(options.GroupConsumerSessionTimeoutMs, 1, nameof(options.GroupConsumerSessionTimeoutMs), "group.consumer.session.timeout.ms");
        AtLeast(options.OffsetsRetentionMinutes, 1, nameof(options.OffsetsRetentionMinutes), "offsets.retention.minutes");
        AtLeast(options.OffsetsTopicNumPartitions, 1, nameof(options.OffsetsTopicNumPartitions), "offsets.topic.num.partitions");
        AtLeast(options.OffsetsTopicSegmentBytes, 1, nameof(options.OffsetsTopicSegmentBytes), "offsets.topic.segment.bytes");

        AtLeast(options.LogCleanerBackoffMs, 0, nameof(options.LogCleanerBackoffMs), "log.cleaner.backoff.ms");
        AtLeast(options.LogCleanerDedupeBufferSize, 1, nameof(options.LogCleanerDedupeBufferSize), "log.cleaner.dedupe.buffer.size");
        if (options.LogCleanerIoMaxBytesPerSecond is { } rate && !(rate > 0))
            problems.Add($"broker:{nameof(options.LogCleanerIoMaxBytesPerSecond)} (log.cleaner.io.max.bytes.per.second) must be positive, not {rate.ToString(CultureInfo.InvariantCulture)}");
        return problems;
    }

    /// <summary>Throws <see cref="BrokerOptionsException"/> listing every problem when there is one.</summary>
    public static void Validate(BrokerOptions options)
    {
        var problems = Problems(options);
        if (problems.Count == 1)
            throw new BrokerOptionsException("invalid broker setting: " + problems[0]);
        if (problems.Count > 1)
            throw new BrokerOptionsException($"{problems.Count.ToString(CultureInfo.InvariantCulture)} invalid broker settings: " + string.Join("; ", problems));
    }
}
