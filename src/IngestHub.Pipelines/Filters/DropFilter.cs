using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>Drops every event that reaches it; give it an <c>if:</c> to drop some.</summary>
public sealed class DropFilter : IFilter
{
    public static readonly string[] Keys = [];

    public FilterOutcome Apply(LogEvent e) => FilterOutcome.Drop;
}
