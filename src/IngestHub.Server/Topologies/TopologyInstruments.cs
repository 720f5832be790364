using System.Diagnostics.Metrics;
using IngestHub.Streams;

namespace IngestHub.Server.Topologies;

/// <summary>Observable topology instruments (meter <c>IngestHub.Streams</c>, tags <c>topology</c> and
/// <c>component</c>) for OTLP export: the same counters as the <c>/metrics</c> page.</summary>
public sealed class TopologyInstruments : IDisposable
{
    public const string MeterName = "IngestHub.Streams";

    private readonly Meter _meter;

    public TopologyInstruments(TopologiesHost host, IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("ingesthub.topology.tuples.emitted", () => Measure(host, c => c.Emitted), "{tuple}", "Tuples emitted by a component");
        _meter.CreateObservableCounter("ingesthub.topology.tuples.acked", () => Measure(host, c => c.Acked), "{tuple}", "Spouts: trees completed; bolts: inputs acked");
        _meter.CreateObservableCounter("ingesthub.topology.tuples.failed", () => Measure(host, c => c.Failed), "{tuple}", "Spouts: trees failed or timed out; bolts: inputs failed");
        _meter.CreateObservableCounter("ingesthub.topology.tuples.executed", () => Measure(host, c => c.Executed), "{tuple}", "Tuples executed by a component");
        _meter.CreateObservableGauge("ingesthub.topology.pending", () => Measure(host, c => c.Pending), "{tuple}", "Pending tuples of a component");
        _meter.CreateObservableGauge("ingesthub.topology.capacity", () => MeasureDouble(host, c => c.Capacity), "1", "Busy fraction of a component's busiest executor");
    }

    private static IEnumerable<Measurement<long>> Measure(TopologiesHost host, Func<ComponentStatus, long> value)
    {
        foreach (var (topology, component) in Components(host))
            yield return new Measurement<long>(value(component), new("topology", topology), new("component", component.Id));
    }

    private static IEnumerable<Measurement<double>> MeasureDouble(TopologiesHost host, Func<ComponentStatus, double> value)
    {
        foreach (var (topology, component) in Components(host))
            yield return new Measurement<double>(value(component), new("topology", topology), new("component", component.Id));
    }

    private static IEnumerable<(string, ComponentStatus)> Components(TopologiesHost host)
    {
        if (host.Registry is not { } registry)
            yield break;
        foreach (var entry in registry.Entries)
        {
            if (entry.Running is not { } running)
                continue;
            var status = running.Status();
            foreach (var c in status.Spouts.Concat(status.Bolts))
                yield return (entry.Name, c);
        }
    }

    public void Dispose() => _meter.Dispose();
}
