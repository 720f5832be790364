namespace IngestHub.Testing;

/// <summary>Outcome of one bounded child-process run.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StdOut, string StdErr, bool TimedOut, TimeSpan Elapsed)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>Everything needed to understand a failure in an assertion message.</summary>
    public string Describe(int maxChars = 4000) =>
        $"`{Command}` exit={ExitCode} timedOut={TimedOut} elapsed={Elapsed.TotalSeconds:F1}s\n" +
        $"--- stderr ---\n{Tail(StdErr, maxChars)}\n--- stdout ---\n{Tail(StdOut, maxChars)}";

    public override string ToString() => Describe();

    private static string Tail(string text, int maxChars) =>
        text.Length <= maxChars ? text : "…" + text[^maxChars..];
}
