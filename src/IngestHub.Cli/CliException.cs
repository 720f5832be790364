namespace IngestHub.Cli;

/// <summary>A user error (bad argument, missing topic…): printed as one line, no stack trace.</summary>
public sealed class CliException : Exception
{
    public CliException(string message, int exitCode = 1) : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException() : this("invalid input") { }

    public CliException(string message, Exception innerException) : base(message, innerException)
    {
        ExitCode = 1;
    }

    public int ExitCode { get; }
}
