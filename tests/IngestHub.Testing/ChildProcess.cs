using System.Diagnostics;
using System.Text;

namespace IngestHub.Testing;

/// <summary>Runs a program to completion with a hard deadline; the process tree is killed when the deadline passes.</summary>
public static class ChildProcess
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IReadOnlyList<string> args,
        TimeSpan timeout,
        byte[]? stdin = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string arg in args)
            psi.ArgumentList.Add(arg);
        string command = fileName + " " + string.Join(' ', args);

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        Task feed = FeedAsync(process, stdin);

        bool timedOut = false;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        await feed;
        // The pipes close when the process exits; a grandchild holding them must not hang the test.
        var drained = Task.WhenAll(stdout, stderr);
        await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        string output = stdout.IsCompletedSuccessfully ? stdout.Result : "";
        string errors = stderr.IsCompletedSuccessfully ? stderr.Result : "";
        return new ProcessResult(command, process.ExitCode, output, errors, timedOut, stopwatch.Elapsed);
    }

    private static async Task FeedAsync(Process process, byte[]? stdin)
    {
        try
        {
            if (stdin is not null)
                await process.StandardInput.BaseStream.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child exited before reading all of its input; its exit code tells the story.
        }
    }
}
