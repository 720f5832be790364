using System.CommandLine;
using IngestHub.Cli.Commands;
using IngestHub.Client;
using IngestHub.Server;

namespace IngestHub.Cli;

/// <summary>The <c>ingesthub</c> command line. Streams are parameters so tests can run it in-process.</summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        // The appliance parses its own flags (and handles Ctrl+C itself); hand them over untouched.
        if (args.Length > 0 && args[0] == "serve" && !args.Skip(1).Any(a => a is "-h" or "--help" or "-?"))
            return await IngestHubApp.RunAsync(args[1..]);

        var console = new CliConsole(stdout, stderr, stdin);
        var root = BuildRootCommand(console);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string message = parsed.UnmatchedTokens.Count > 0
                ? $"unrecognized command or argument '{parsed.UnmatchedTokens[0]}'"
                : OneLine(parsed.Errors[0].Message);
            await stderr.WriteLineAsync($"ingesthub: {message} (see 'ingesthub --help')");
            return 2;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            }, cancellationToken);
        }
        catch (CliException ex)
        {
            await stderr.WriteLineAsync($"ingesthub: {OneLine(ex.Message)}");
            return ex.ExitCode;
        }
        catch (KafkaException ex)
        {
            await stderr.WriteLineAsync($"ingesthub: {OneLine(ex.Message)}");
            return 1;
        }
        catch (RecordBatchDecodeException ex)
        {
            await stderr.WriteLineAsync($"ingesthub: {OneLine(ex.Message)}");
            return 3;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"ingesthub: {OneLine(ex.Message)}");
            return 1;
        }
    }

    public static RootCommand BuildRootCommand(CliConsole console)
    {
        var root = new RootCommand("IngestHub: Kafka-protocol log appliance and its command-line client.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(TopicsCommand.Create(console));
        root.Subcommands.Add(ProduceCommand.Create(console));
        root.Subcommands.Add(ConsumeCommand.Create(console));
        root.Subcommands.Add(GroupsCommand.Create(console));
        root.Subcommands.Add(TopologiesCommand.Create(console));
        root.Subcommands.Add(AutoscalerCommand.Create(console));
        root.Subcommands.Add(ConnectorsCommand.Create(console));
        root.Subcommands.Add(BenchCommand.Create(console));
        root.Subcommands.Add(UsersCommand.Create(console));
        root.Subcommands.Add(AclsCommand.Create(console));
        return root;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
