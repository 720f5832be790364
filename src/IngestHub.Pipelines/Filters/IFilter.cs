using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>One filter step. Filters mutate the event in place; a failure tags the event (e.g.
/// <c>_grokparsefailure</c>) and the pipeline goes on, as Logstash does. Implementations are immutable after
/// construction and safe to share across workers.</summary>
public interface IFilter
{
    FilterOutcome Apply(LogEvent e);
}
