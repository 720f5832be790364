using System.Diagnostics.Metrics;

namespace IngestHub.Pipelines.Runtime;

/// <summary>Per-connector instruments (tag <c>connector</c>): events in, out, filtered, failed, dead-lettered,
/// batch size, sink latency and committed offsets.</summary>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "IngestHub.Pipelines";

    public PipelineMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        EventsIn = Meter.CreateCounter<long>("ingesthub.connector.events.in", "{event}", "Records consumed by the connector");
        EventsOut = Meter.CreateCounter<long>("ingesthub.connector.events.out", "{event}", "Events the sink acknowledged");
        Filtered = Meter.CreateCounter<long>("ingesthub.connector.events.filtered", "{event}", "Events dropped by filters");
        Failed = Meter.CreateCounter<long>("ingesthub.connector.events.failed", "{event}", "Records that could not be decoded or were rejected by the sink");
        DeadLettered = Meter.CreateCounter<long>("ingesthub.connector.events.dead_lettered", "{event}", "Records written to the dead-letter topic");
        BatchSize = Meter.CreateHistogram<int>("ingesthub.connector.batch.size", "{event}", "Events per sink batch");
        SinkLatency = Meter.CreateHistogram<double>("ingesthub.connector.sink.duration", "s", "Time for the sink to acknowledge a batch");
        Committed = Meter.CreateCounter<long>("ingesthub.connector.offsets.committed", "{offset}", "Offsets committed after sink acknowledgement");
    }

    public Meter Meter { get; }
    public Counter<long> EventsIn { get; }
    public Counter<long> EventsOut { get; }
    public Counter<long> Filtered { get; }
    public Counter<long> Failed { get; }
    public Counter<long> DeadLettered { get; }
    public Histogram<int> BatchSize { get; }
    public Histogram<double> SinkLatency { get; }
    public Counter<long> Committed { get; }

    public void Dispose() => Meter.Dispose();
}
