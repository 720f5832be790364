using System.CommandLine;
using IngestHub.Server;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub serve</c>: the appliance itself. <see cref="CliApp"/> passes the flags straight to
/// <see cref="IngestHubApp.RunAsync"/>; this command exists for help text.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        string flags = string.Join(", ", IngestHubApp.FlagMappings.Keys);
        var command = new Command("serve", $"Run the appliance (broker and HTTP API). Flags: {flags}, or any --section:Key=value.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (ParseResult result, CancellationToken _) =>
            await IngestHubApp.RunAsync([.. result.UnmatchedTokens]));
        return command;
    }
}
