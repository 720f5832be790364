namespace IngestHub.Cli.Tests;

/// <summary>The outcome of one in-process <c>ingesthub</c> invocation.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static async Task<CliRun> ExecuteAsync(string[] args, string stdin = "")
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var input = new StringReader(stdin);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int code = await CliApp.RunAsync(args, stdout, stderr, input, timeout.Token);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
