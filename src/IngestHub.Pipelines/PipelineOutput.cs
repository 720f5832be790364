using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines;

/// <summary>What <see cref="Pipeline.Process"/> produced; accumulates over the records of a batch until
/// <see cref="Clear"/>.</summary>
public sealed class PipelineOutput
{
    /// <summary>Events to hand to the sink, in record order.</summary>
    public List<LogEvent> Events { get; } = [];

    /// <summary>Records (or ndjson lines) that could not be decoded: dead-letter candidates.</summary>
    public List<DecodeFailure> Failures { get; } = [];

    /// <summary>Events removed by drop filters.</summary>
    public int Dropped { get; set; }

    /// <summary>Filter failures (events tagged and kept), for metrics.</summary>
    public int FilterFailures { get; set; }

    public void Clear()
    {
        Events.Clear();
        Failures.Clear();
        Dropped = 0;
        FilterFailures = 0;
    }
}
