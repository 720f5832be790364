using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Filters;

namespace IngestHub.Pipelines;

/// <summary>
/// A compiled pipeline definition: codec then filters, in order. Pure and thread-safe (filters are immutable),
/// so all workers of a connector share one instance. The runtime feeds it records and ships
/// <see cref="PipelineOutput.Events"/>.
/// </summary>
public sealed class Pipeline
{
    private readonly FilterStage[] _filters;

    private Pipeline(PipelineDefinition definition, ICodec codec, FilterStage[] filters)
    {
        Definition = definition;
        Codec = codec;
        _filters = filters;
    }

    public PipelineDefinition Definition { get; }

    public ICodec Codec { get; }

    public IReadOnlyList<FilterStage> Filters => _filters;

    public static Pipeline Compile(PipelineDefinition definition, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        ICodec codec = definition.Codec switch
        {
            CodecKind.Json => new JsonCodec(clock),
            CodecKind.Ndjson => new NdjsonCodec(clock),
            _ => new PlainCodec(clock),
        };
        var filters = new FilterStage[definition.Filters.Count];
        for (int i = 0; i < filters.Length; i++)
        {
            var f = definition.Filters[i];
            filters[i] = FilterCatalog.Create(f.Type, f.Settings, $"filters[{i}].{f.Type}", clock);
        }
        return new Pipeline(definition, codec, filters);
    }

    /// <summary>Decodes one record and runs its events through the filters, appending to
    /// <paramref name="output"/>.</summary>
    public void Process(in KafkaRecord record, PipelineOutput output)
    {
        int start = output.Events.Count;
        Codec.Decode(record, output.Events, output.Failures);
        int write = start;
        for (int read = start; read < output.Events.Count; read++)
        {
            var e = output.Events[read];
            if (RunFilters(e, output))
                output.Events[write++] = e;
            else
                output.Dropped++;
        }
        output.Events.RemoveRange(write, output.Events.Count - write);
    }

    /// <summary>Processes one record into a fresh output (convenience for tests and single records).</summary>
    public PipelineOutput Process(in KafkaRecord record)
    {
        var output = new PipelineOutput();
        Process(record, output);
        return output;
    }

    /// <summary>Runs the filters over one event; false when it was dropped.</summary>
    public bool RunFilters(LogEvent e, PipelineOutput? output = null)
    {
        foreach (var filter in _filters)
        {
            switch (filter.Apply(e))
            {
                case FilterOutcome.Drop:
                    return false;
                case FilterOutcome.Failure when output is not null:
                    output.FilterFailures++;
                    break;
            }
        }
        return true;
    }
}
