using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>Runs a script from the test project's python folder with Debian's python3 (python3-confluent-kafka).</summary>
public static class PythonScript
{
    public const string Interpreter = "/usr/bin/python3";

    public static Task<ProcessResult> RunAsync(string script, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string path = Path.Combine(RepoLayout.Root, "tests", "IngestHub.Compat.Tests", "python", script);
        Assert.True(File.Exists(path), $"missing python script {path}");
        return ChildProcess.RunAsync(Interpreter, [path, .. args], timeout, cancellationToken: cancellationToken);
    }
}
