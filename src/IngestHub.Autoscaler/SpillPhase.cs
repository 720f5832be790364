namespace IngestHub.Autoscaler;

/// <summary>Where a target's spill stands; persisted, so a restart resumes in the same phase.</summary>
public enum SpillPhase
{
    /// <summary>No spill: the source is processed normally.</summary>
    Normal,
    /// <summary>Decided; the spill topics are being created. The source is still processed normally.</summary>
    Creating,
    /// <summary>The source is relayed to the spill topics; the spill pool processes them.</summary>
    Relaying,
    /// <summary>The relay stopped at the recorded cut-offs; the source is held; the pool drains the spill to zero lag.</summary>
    Draining,
    /// <summary>Drained: normal processing resumes at the cut-offs; the pool stops; the spill topics are deleted.</summary>
    SwitchingBack,
}
