using System.Globalization;
using IngestHub.Server.Monitoring;
using IngestHub.Streams;
using IngestHub.Streams.Runtime;

namespace IngestHub.Server.Topologies;

/// <summary>
/// Topology series on <c>/metrics</c>: per topology its state and dead letters; per component (label
/// <c>component</c>) emitted, transferred, acked, failed and executed tuples, errors, executors, tasks, pending,
/// queued and capacity; latency histograms for execute and process (bolts) and complete (spouts) latency. The
/// spouts' consumer groups are in the kafka_consumergroup_* series.
/// </summary>
public sealed class TopologyMetricsSection(TopologiesHost host) : IMetricsSection
{
    public void Write(PrometheusTextWriter writer)
    {
        if (host.Registry is not { } registry)
            return;
        var w = writer;
        var entries = registry.Entries;
        w.Family("ingesthub_topology_state", "gauge", "Topology state (1 for the current state)");
        foreach (var entry in entries)
        {
            string current = Api.TopologyEndpoints.StateName(entry);
            foreach (var state in new[] { "ACTIVE", "INACTIVE", "REBALANCING", "KILLED", "FAILED", "NOT_RUNNING" })
                w.Sample("ingesthub_topology_state", state == current ? 1 : 0, ("topology", entry.Name), ("state", state));
        }
        var running = entries.Where(e => e.Running is not null).Select(e => e.Running!).ToList();
        w.Family("ingesthub_topology_dead_lettered_total", "counter", "Records the topology wrote to its dead-letter topic");
        foreach (var t in running)
            w.Sample("ingesthub_topology_dead_lettered_total", t.DeadLetters.Written, ("topology", t.Name));

        var statuses = running.Select(t => (Topology: t, Status: t.Status())).ToList();
        var components = statuses.SelectMany(s => s.Status.Spouts.Concat(s.Status.Bolts).Concat(s.Status.Acker is null ? [] : [s.Status.Acker])
            .Select(c => (s.Topology, Component: c))).ToList();
        (string Name, string Type, string Help, Func<ComponentStatus, double> Value)[] series =
        [
            ("ingesthub_topology_emitted_total", "counter", "Tuples emitted by the component", c => c.Emitted),
            ("ingesthub_topology_transferred_total", "counter", "Tuples sent to tasks by the component", c => c.Transferred),
            ("ingesthub_topology_acked_total", "counter", "Spouts: tuple trees completed; bolts: inputs acked", c => c.Acked),
            ("ingesthub_topology_failed_total", "counter", "Spouts: trees failed or timed out; bolts: inputs failed", c => c.Failed),
            ("ingesthub_topology_executed_total", "counter", "Tuples executed by the component", c => c.Executed),
            ("ingesthub_topology_errors_total", "counter", "Errors reported by the component's tasks", c => c.Errors),
            ("ingesthub_topology_executors", "gauge", "Executors (threads) of the component", c => c.Executors),
            ("ingesthub_topology_tasks", "gauge", "Tasks of the component (fixed)", c => c.Tasks),
            ("ingesthub_topology_pending", "gauge", "Tuples emitted and not yet acked or failed (spouts), trees pending (acker)", c => c.Pending),
            ("ingesthub_topology_queued", "gauge", "Tuples waiting in the component's input queues", c => c.Queued),
            ("ingesthub_topology_capacity", "gauge", "Busy fraction of the busiest executor over the last 10 s", c => c.Capacity),
        ];
        foreach (var (name, type, help, value) in series)
        {
            w.Family(name, type, help);
            foreach (var (topology, component) in components)
                w.Sample(name, value(component), ("topology", topology.Name), ("component", component.Id));
        }
        Histogram(w, "ingesthub_topology_execute_latency_seconds", "Time to execute a tuple (sampled)", running, s => s.ExecuteLatency);
        Histogram(w, "ingesthub_topology_process_latency_seconds", "From the start of execute to the input's ack (sampled)", running, s => s.ProcessLatency);
        Histogram(w, "ingesthub_topology_complete_latency_seconds", "From a spout's emit to the completion of its tuple tree", running, s => s.CompleteLatency);
    }

    private static void Histogram(PrometheusTextWriter w, string name, string help, List<RunningTopology> topologies, Func<TaskStats, LatencyHistogram> pick)
    {
        w.Family(name, "histogram", help);
        var bounds = LatencyHistogram.UpperBoundsSeconds;
        foreach (var topology in topologies)
        {
            foreach (var component in topology.ComponentIds)
            {
                var stats = topology.TaskStatsOf(component);
                var counts = new long[LatencyHistogram.BucketCount];
                double sum = 0;
                foreach (var s in stats)
                {
                    var h = pick(s);
                    var snapshot = h.Snapshot();
                    for (int i = 0; i < counts.Length; i++)
                        counts[i] += snapshot[i];
                    sum += h.SumSeconds;
                }
                long total = counts.Sum();
                if (total == 0)
                    continue;
                long cumulative = 0;
                for (int i = 0; i < bounds.Count; i++)
                {
                    cumulative += counts[i];
                    w.Sample(name + "_bucket", cumulative, ("topology", topology.Name), ("component", component), ("le", bounds[i].ToString("R", CultureInfo.InvariantCulture)));
                }
                w.Sample(name + "_bucket", total, ("topology", topology.Name), ("component", component), ("le", "+Inf"));
                w.Sample(name + "_sum", sum, ("topology", topology.Name), ("component", component));
                w.Sample(name + "_count", total, ("topology", topology.Name), ("component", component));
            }
        }
    }
}
