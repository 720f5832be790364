namespace IngestHub.Autoscaler.TestAppliance;

/// <summary>With <c>INGESTHUB_TEST_PAUSE_PHASE</c> set (e.g. <c>switching_back</c>), announces on stdout when a spill
/// enters that phase and then holds the autoscaler there for <c>INGESTHUB_TEST_PAUSE_SECONDS</c> (default 60), so a
/// test can kill the process inside a phase that otherwise lasts milliseconds.</summary>
public sealed class PausingSpillObserver : ISpillObserver
{
    public const string PhaseVariable = "INGESTHUB_TEST_PAUSE_PHASE";
    public const string SecondsVariable = "INGESTHUB_TEST_PAUSE_SECONDS";
    public const string Marker = "SPILL-PHASE-ENTERED ";

    private readonly string? _phase = Environment.GetEnvironmentVariable(PhaseVariable);
    private readonly int _seconds = int.TryParse(Environment.GetEnvironmentVariable(SecondsVariable), out int s) ? s : 60;

    public void PhaseEntered(string kind, string target, SpillPhase phase)
    {
        string name = SpillState.PhaseName(phase);
        Console.Out.WriteLine(Marker + name + " " + target);
        Console.Out.Flush();
        if (_phase == name)
            Thread.Sleep(TimeSpan.FromSeconds(_seconds));
    }
}
