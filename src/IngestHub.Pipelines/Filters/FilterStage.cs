using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>A configured filter in a pipeline: runs <see cref="Filter"/> only when its <c>if:</c> holds, then
/// applies the common options on success.</summary>
public sealed class FilterStage(string name, IFilter filter, EventCondition? condition, FilterDecorations decorations) : IFilter
{
    public string Name { get; } = name;

    public IFilter Filter { get; } = filter;

    public EventCondition? Condition { get; } = condition;

    public FilterOutcome Apply(LogEvent e)
    {
        if (Condition is not null && !Condition.Evaluate(e))
            return FilterOutcome.Success;
        var outcome = Filter.Apply(e);
        if (outcome == FilterOutcome.Success && !decorations.IsEmpty)
            decorations.Apply(e);
        return outcome;
    }
}
