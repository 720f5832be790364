namespace IngestHub.Autoscaler;

/// <summary>Told each time a target's spill enters a phase — after the phase is persisted, before it acts — e.g.
/// to notify operators. Runs on the autoscaler's loop: keep it short.</summary>
public interface ISpillObserver
{
    void PhaseEntered(string kind, string target, SpillPhase phase);
}
