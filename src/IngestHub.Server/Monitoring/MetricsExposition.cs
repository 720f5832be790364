using System.Globalization;
using IngestHub.Autoscaler;
using IngestHub.Broker;
using IngestHub.Monitoring;
using IngestHub.Pipelines.Runtime;
using IngestHub.Server.Api;

namespace IngestHub.Server.Monitoring;

/// <summary>
/// The <c>/metrics</c> page: kafka_exporter-compatible topic series (read live from the embedded broker) and
/// cluster series (brokers, controller, and per partition leader, replicas and in-sync replicas, as <see cref="ClusterView"/>
/// sees them), consumer-group series (the lag monitor's latest sample, as <c>/api/groups</c> reports it) with the estimated time
/// lag, Burrow status per group, broker request counters and latency histograms per
/// API, per-topic traffic, and per-connector counters and state.
/// </summary>
public static class MetricsExposition
{
    public static string Render(KafkaBroker broker, MonitoringHistory history, IReadOnlyList<GroupLagReport> groups, ConnectorRegistry? connectors,
        IReadOnlyList<TargetStatus>? autoscaler = null)
    {
        var w = new PrometheusTextWriter();
        WriteTopics(w, broker);
        WriteCluster(w, ClusterView.Of(broker));
        WriteGroups(w, groups);
        WriteAutoscaler(w, autoscaler ?? []);
        WriteBroker(w, broker.Metrics);
        WriteLimits(w, broker);
        if (connectors is not null)
            WriteConnectors(w, connectors, history);
        return w.ToString();
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void WriteTopics(PrometheusTextWriter w, KafkaBroker broker)
    {
        var topics = broker.Topics.Topics.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        w.Family("kafka_topic_partitions", "gauge", "Number of partitions for this topic");
        foreach (var topic in topics)
            w.Sample("kafka_topic_partitions", topic.Partitions.Count, ("topic", topic.Name));
        w.Family("kafka_topic_partition_current_offset", "gauge", "Current (log end) offset of a partition");
        foreach (var topic in topics)
            foreach (var p in topic.Partitions)
                w.Sample("kafka_topic_partition_current_offset", p.Log.LogEndOffset, ("topic", topic.Name), ("partition", Str(p.Index)));
        w.Family("kafka_topic_partition_oldest_offset", "gauge", "Oldest (log start) offset of a partition");
        foreach (var topic in topics)
            foreach (var p in topic.Partitions)
                w.Sample("kafka_topic_partition_oldest_offset", p.Log.LogStartOffset, ("topic", topic.Name), ("partition", Str(p.Index)));
        w.Family("ingesthub_log_size_bytes", "gauge", "Bytes on disk of a partition's log segments");
        foreach (var topic in topics)
            foreach (var p in topic.Partitions)
                w.Sample("ingesthub_log_size_bytes", p.Log.Size, ("topic", topic.Name), ("partition", Str(p.Index)));
    }

    private static void WriteCluster(PrometheusTextWriter w, ClusterView cluster)
    {
        w.Family("kafka_brokers", "gauge", "Number of brokers registered in the cluster (1 in single-process mode)");
        w.Sample("kafka_brokers", cluster.Brokers.Count);
        w.Family("ingesthub_cluster_node_id", "gauge", "Node id of this broker");
        w.Sample("ingesthub_cluster_node_id", cluster.NodeId);
        w.Family("ingesthub_cluster_controller_id", "gauge", "Node id of the elected controller (-1 while none is known)");
        w.Sample("ingesthub_cluster_controller_id", cluster.ControllerId);
        w.Family("ingesthub_cluster_controller_active", "gauge", "1 when this broker is the controller");
        w.Sample("ingesthub_cluster_controller_active", cluster.ControllerId == cluster.NodeId ? 1 : 0);
        w.Family("ingesthub_cluster_under_replicated_partitions", "gauge", "Partitions with fewer in-sync replicas than replicas");
        w.Sample("ingesthub_cluster_under_replicated_partitions", cluster.UnderReplicatedCount);
        (string Name, string Help, Func<ClusterPartitionView, long> Value)[] series =
        [
            ("kafka_topic_partition_leader", "Node id of the partition's leader (-1 when none)", p => p.Leader),
            ("kafka_topic_partition_replicas", "Number of replicas assigned to the partition", p => p.Replicas.Count),
            ("kafka_topic_partition_in_sync_replica", "Number of in-sync replicas of the partition", p => p.Isr.Count),
            ("kafka_topic_partition_under_replicated_partition", "1 when the partition has fewer in-sync replicas than replicas", p => p.UnderReplicated ? 1 : 0),
            ("kafka_topic_partition_leader_is_preferred", "1 when the partition's leader is its first (preferred) replica", p => p.LeaderIsPreferred ? 1 : 0),
        ];
        foreach (var (name, help, value) in series)
        {
            w.Family(name, "gauge", help);
            foreach (var p in cluster.Partitions)
                w.Sample(name, value(p), ("topic", p.Topic), ("partition", Str(p.Partition)));
        }
    }

    private static void WriteGroups(PrometheusTextWriter w, IReadOnlyList<GroupLagReport> groups)
    {
        w.Family("kafka_consumergroup_current_offset", "gauge", "Committed offset of a consumer group on a partition (-1 when never committed)");
        foreach (var g in groups)
            foreach (var p in g.Partitions)
                w.Sample("kafka_consumergroup_current_offset", p.CommittedOffset, ("consumergroup", g.GroupId), ("topic", p.Topic), ("partition", Str(p.Partition)));
        w.Family("kafka_consumergroup_lag", "gauge", "Lag of a consumer group on a partition (log end offset minus committed offset)");
        foreach (var g in groups)
            foreach (var p in g.Partitions)
                w.Sample("kafka_consumergroup_lag", p.Lag, ("consumergroup", g.GroupId), ("topic", p.Topic), ("partition", Str(p.Partition)));
        w.Family("kafka_consumergroup_lag_seconds", "gauge",
            "Estimated seconds since the next record the group has to read on a partition was produced (interpolated from sampled log end offsets)");
        foreach (var g in groups)
            foreach (var p in g.Partitions)
                w.Sample("kafka_consumergroup_lag_seconds", Math.Round(p.TimeLag.Seconds, 3), ("consumergroup", g.GroupId), ("topic", p.Topic), ("partition", Str(p.Partition)));
        w.Family("kafka_consumergroup_lag_sum", "gauge", "Lag of a consumer group summed over a topic's partitions");
        foreach (var g in groups)
        {
            var sums = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var p in g.Partitions)
                sums[p.Topic] = sums.GetValueOrDefault(p.Topic) + p.Lag;
            foreach (var (topic, sum) in sums)
                w.Sample("kafka_consumergroup_lag_sum", sum, ("consumergroup", g.GroupId), ("topic", topic));
        }
        w.Family("kafka_consumergroup_members", "gauge", "Number of members in a consumer group");
        foreach (var g in groups)
            w.Sample("kafka_consumergroup_members", g.Members.Count, ("consumergroup", g.GroupId));
        w.Family("ingesthub_consumergroup_status", "gauge", "Burrow-style status of a consumer group (1 for the current status)");
        foreach (var g in groups)
            foreach (var s in Enum.GetValues<GroupLagStatus>())
                w.Sample("ingesthub_consumergroup_status", s == g.Status ? 1 : 0, ("consumergroup", g.GroupId), ("status", BurrowEvaluator.Name(s)));
        w.Family("ingesthub_consumergroup_window_complete", "gauge", "Fraction of a group's partitions whose window of commits is full");
        foreach (var g in groups)
            w.Sample("ingesthub_consumergroup_window_complete", Math.Round(g.Complete, 3), ("consumergroup", g.GroupId));
    }

    private static void WriteAutoscaler(PrometheusTextWriter w, IReadOnlyList<TargetStatus> targets)
    {
        w.Family("ingesthub_autoscaler_desired_workers", "gauge", "Workers the autoscaler wants for a target (pool=source) or its spill pool (pool=spill)");
        foreach (var t in targets)
        {
            w.Sample("ingesthub_autoscaler_desired_workers", t.Desired, ("target", t.Name), ("kind", t.Kind), ("pool", "source"));
            w.Sample("ingesthub_autoscaler_desired_workers", t.SpillDesired, ("target", t.Name), ("kind", t.Kind), ("pool", "spill"));
        }
        w.Family("ingesthub_autoscaler_actual_workers", "gauge", "Workers running for a target (pool=source) or its spill pool (pool=spill)");
        foreach (var t in targets)
        {
            w.Sample("ingesthub_autoscaler_actual_workers", t.Actual, ("target", t.Name), ("kind", t.Kind), ("pool", "source"));
            w.Sample("ingesthub_autoscaler_actual_workers", t.SpillWorkers, ("target", t.Name), ("kind", t.Kind), ("pool", "spill"));
        }
        w.Family("ingesthub_autoscaler_lag", "gauge", "Lag the autoscaler saw at its last evaluation: the source group's (pool=source) or the spill group's (pool=spill)");
        foreach (var t in targets)
        {
            w.Sample("ingesthub_autoscaler_lag", t.TotalLag, ("target", t.Name), ("kind", t.Kind), ("pool", "source"));
            w.Sample("ingesthub_autoscaler_lag", t.SpillLag, ("target", t.Name), ("kind", t.Kind), ("pool", "spill"));
        }
        w.Family("ingesthub_autoscaler_stalled_partitions", "gauge", "Partitions whose committed offset stands still while others move");
        foreach (var t in targets)
            w.Sample("ingesthub_autoscaler_stalled_partitions", t.Partitions.Count(p => p.Stalled), ("target", t.Name), ("kind", t.Kind));
        w.Family("ingesthub_autoscaler_spill_phase", "gauge", "Spill phase of a target (1 for the current phase)");
        foreach (var t in targets)
            foreach (var phase in Enum.GetValues<SpillPhase>())
                w.Sample("ingesthub_autoscaler_spill_phase", phase == t.Phase ? 1 : 0, ("target", t.Name), ("kind", t.Kind), ("phase", SpillState.PhaseName(phase)));
        w.Family("ingesthub_autoscaler_decisions_total", "counter", "Autoscaler decisions and phase changes of a target since the appliance started, by kind");
        foreach (var t in targets)
            foreach (var (decision, count) in t.Decisions.OrderBy(d => d.Key, StringComparer.Ordinal))
                w.Sample("ingesthub_autoscaler_decisions_total", count, ("target", t.Name), ("kind", t.Kind), ("decision", decision));
    }

    private static void WriteBroker(PrometheusTextWriter w, BrokerMetrics metrics)
    {
        var apis = metrics.Apis.OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
        w.Family("ingesthub_broker_requests_total", "counter", "Kafka requests handled, by API");
        foreach (var a in apis)
            w.Sample("ingesthub_broker_requests_total", a.Requests, ("api", a.Name));
        w.Family("ingesthub_broker_request_errors_total", "counter", "Kafka requests that failed (malformed or handler fault), by API");
        foreach (var a in apis)
            w.Sample("ingesthub_broker_request_errors_total", a.Errors, ("api", a.Name));
        w.Family("ingesthub_broker_request_duration_seconds", "histogram", "Time to handle a Kafka request, by API (Fetch includes its long-poll wait)");
        var bounds = BrokerMetrics.DurationBuckets;
        foreach (var a in apis)
        {
            var counts = a.BucketCounts();
            long cumulative = 0;
            for (int i = 0; i < bounds.Length; i++)
            {
                cumulative += counts[i];
                w.Sample("ingesthub_broker_request_duration_seconds_bucket", cumulative, ("api", a.Name), ("le", bounds[i].ToString("R", CultureInfo.InvariantCulture)));
            }
            cumulative += counts[^1];
            w.Sample("ingesthub_broker_request_duration_seconds_bucket", cumulative, ("api", a.Name), ("le", "+Inf"));
            w.Sample("ingesthub_broker_request_duration_seconds_sum", a.DurationSeconds, ("api", a.Name));
            w.Sample("ingesthub_broker_request_duration_seconds_count", cumulative, ("api", a.Name));
        }
        var topics = metrics.Topics.OrderBy(t => t.Topic, StringComparer.Ordinal).ToList();
        w.Family("ingesthub_broker_produced_records_total", "counter", "Records appended by Produce requests, by topic");
        foreach (var t in topics)
            w.Sample("ingesthub_broker_produced_records_total", t.ProducedRecords, ("topic", t.Topic));
        w.Family("ingesthub_broker_produced_bytes_total", "counter", "Record batch bytes appended by Produce requests, by topic");
        foreach (var t in topics)
            w.Sample("ingesthub_broker_produced_bytes_total", t.ProducedBytes, ("topic", t.Topic));
        w.Family("ingesthub_broker_fetched_records_total", "counter", "Records returned by Fetch requests, by topic");
        foreach (var t in topics)
            w.Sample("ingesthub_broker_fetched_records_total", t.FetchedRecords, ("topic", t.Topic));
        w.Family("ingesthub_broker_fetched_bytes_total", "counter", "Record batch bytes returned by Fetch requests, by topic");
        foreach (var t in topics)
            w.Sample("ingesthub_broker_fetched_bytes_total", t.FetchedBytes, ("topic", t.Topic));
    }

    private static void WriteLimits(PrometheusTextWriter w, KafkaBroker broker)
    {
        var metrics = broker.Metrics;
        w.Family("ingesthub_broker_connections", "gauge", "Open Kafka client connections over all listeners");
        w.Sample("ingesthub_broker_connections", broker.ConnectionLimits.Total);
        w.Family("ingesthub_broker_connections_refused_total", "counter", "Connections closed right after accept by a connection limit, by listener and limit");
        foreach (var (listener, reason, count) in metrics.Refused)
            w.Sample("ingesthub_broker_connections_refused_total", count, ("listener", listener), ("limit", reason));
        w.Family("ingesthub_broker_connections_closed_total", "counter",
            "Connections the broker closed: idle (connections.max.idle.ms), request_timeout (a request too slow to arrive), request_too_large (socket.request.max.bytes)");
        foreach (var (reason, count) in metrics.Closed)
            w.Sample("ingesthub_broker_connections_closed_total", count, ("reason", reason));
        w.Family("ingesthub_broker_throttled_responses_total", "counter", "Responses that reported a throttle time because the client was over its byte-rate quota, by quota");
        foreach (var (quota, responses, _) in metrics.Throttled)
            w.Sample("ingesthub_broker_throttled_responses_total", responses, ("quota", quota));
        w.Family("ingesthub_broker_throttle_time_seconds_total", "counter", "Throttle time reported to clients over their byte-rate quota, by quota");
        foreach (var (quota, _, ms) in metrics.Throttled)
            w.Sample("ingesthub_broker_throttle_time_seconds_total", ms / 1000.0, ("quota", quota));
    }

    private static void WriteConnectors(PrometheusTextWriter w, ConnectorRegistry registry, MonitoringHistory history)
    {
        var connectors = registry.All().Select(c => (c.Settings.Name, Status: c.Status())).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        (string Name, string Help, Func<ConnectorCounters, long> Value)[] counters =
        [
            ("ingesthub_connector_events_in_total", "Records consumed by the connector", c => c.EventsIn),
            ("ingesthub_connector_events_out_total", "Events the sink acknowledged", c => c.EventsOut),
            ("ingesthub_connector_events_filtered_total", "Events dropped by filters", c => c.Filtered),
            ("ingesthub_connector_events_failed_total", "Records that failed decoding or were rejected by the sink", c => c.Failed),
            ("ingesthub_connector_events_dead_lettered_total", "Records written to the dead-letter topic", c => c.DeadLettered),
            ("ingesthub_connector_batches_total", "Sink batches acknowledged", c => c.Batches),
            ("ingesthub_connector_retries_total", "Sink batch retries", c => c.Retries),
            ("ingesthub_connector_undecodable_batches_total", "Fetched record batches that could not be decoded (dead-lettered or failing the connector)", c => c.UndecodableBatches),
        ];
        foreach (var (name, help, value) in counters)
        {
            w.Family(name, "counter", help);
            foreach (var c in connectors)
                w.Sample(name, value(c.Status.Counters), ("connector", c.Name));
        }
        w.Family("ingesthub_connector_state", "gauge", "Connector state (1 for the current state)");
        foreach (var c in connectors)
            foreach (var state in Enum.GetValues<ConnectorState>())
                w.Sample("ingesthub_connector_state", c.Status.State == state ? 1 : 0, ("connector", c.Name), ("state", ConnectorEndpoints.StateName(state)));
        w.Family("ingesthub_connector_workers", "gauge", "Workers (group members) running for the connector");
        foreach (var c in connectors)
            w.Sample("ingesthub_connector_workers", c.Status.Workers.Count, ("connector", c.Name));
        w.Family("ingesthub_connector_events_in_rate", "gauge", "Records per second consumed by the connector over the last minute");
        foreach (var c in connectors)
        {
            var samples = history.FindConnector(c.Name)?.Snapshot(history.MinuteSamples) ?? [];
            w.Sample("ingesthub_connector_events_in_rate", MonitoringHistory.Rate(samples).Records, ("connector", c.Name));
        }
    }
}
