namespace IngestHub.Streams.Topology;

/// <summary>How a stream's tuples are spread over the tasks of a subscribing bolt (Storm's groupings).</summary>
public enum GroupingKind
{
    /// <summary>Evenly, in random order.</summary>
    Shuffle,

    /// <summary>Equal values of the grouping fields always go to the same task.</summary>
    Fields,

    /// <summary>Every task gets every tuple.</summary>
    All,

    /// <summary>The whole stream goes to the task with the lowest id.</summary>
    Global,

    /// <summary>The emitter names the task (EmitDirect on a direct stream).</summary>
    Direct,

    /// <summary>Tasks in the same worker first; every task of an IngestHub topology is in-process, so this is shuffle.</summary>
    LocalOrShuffle,

    /// <summary>No preference; currently shuffle, as in Storm.</summary>
    None,
}
