namespace IngestHub.Pipelines.Filters;

/// <summary>What a filter did with an event.</summary>
public enum FilterOutcome
{
    /// <summary>Applied; the filter's add_field/add_tag/remove_* options run.</summary>
    Success,

    /// <summary>Could not apply; the event was tagged and continues unchanged otherwise.</summary>
    Failure,

    /// <summary>The event leaves the pipeline.</summary>
    Drop,
}
