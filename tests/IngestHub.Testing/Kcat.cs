using System.Text;

namespace IngestHub.Testing;

/// <summary>Runs the kcat command-line client (librdkafka) with a deadline.</summary>
public static class Kcat
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static Task<ProcessResult> RunAsync(IReadOnlyList<string> args, string? stdin = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        ChildProcess.RunAsync("kcat", args, timeout ?? DefaultTimeout,
            stdin is null ? null : Encoding.UTF8.GetBytes(stdin), cancellationToken: cancellationToken);

    /// <summary>Reads the topic from the beginning to the current end of every partition, one formatted line per record.</summary>
    public static Task<ProcessResult> ConsumeAllAsync(string bootstrap, string topic, string format, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-f", format, "-m", "10"],
            timeout: timeout, cancellationToken: cancellationToken);
}
