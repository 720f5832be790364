using System.CommandLine;
using IngestHub.Broker.Security;

namespace IngestHub.Cli.Commands;

/// <summary>
/// <c>ingesthub users add|delete|list</c>: the SASL users of an appliance, kept in <c>&lt;data&gt;/users.json</c>
/// as salted SCRAM credentials. A running broker picks up the change at the next login.
/// </summary>
public static class UsersCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("users", "Add, delete and list SASL users (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)");
        command.Subcommands.Add(Add(console));
        command.Subcommands.Add(Delete(console));
        command.Subcommands.Add(List(console));
        return command;
    }

    private static Option<string> DataDir() => new("--data-dir")
    {
        Description = "The appliance's data directory (broker:DataDir)",
        DefaultValueFactory = _ => "./data",
    };

    private static Command Add(CliConsole console)
    {
        var dataDir = DataDir();
        var name = new Argument<string>("name") { Description = "User name" };
        var password = new Option<string?>("--password") { Description = "Password (read from the first line of stdin when omitted)" };
        var mechanisms = new Option<string[]>("--mechanism") { Description = "SCRAM-SHA-256 and/or SCRAM-SHA-512 (both when omitted; PLAIN logins use them too)" };
        var iterations = new Option<int>("--iterations") { Description = "PBKDF2 iterations (at least 4096)", DefaultValueFactory = _ => 4096 };
        var command = new Command("add", "Add a user or change its password") { name, dataDir, password, mechanisms, iterations };
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string user = result.GetValue(name)!;
            string? secret = result.GetValue(password) ?? await console.In.ReadLineAsync(ct);
            if (string.IsNullOrEmpty(secret))
                throw new CliException("a password is needed (--password or one line on stdin)", 2);
            var chosen = result.GetValue(mechanisms) is { Length: > 0 } m ? m : null;
            try
            {
                Open(result.GetValue(dataDir)!).Upsert(user, secret, chosen, result.GetValue(iterations));
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message, 2);
            }
            await console.Out.WriteLineAsync($"User {user} saved.");
            return 0;
        });
        return command;
    }

    private static Command Delete(CliConsole console)
    {
        var dataDir = DataDir();
        var name = new Argument<string>("name") { Description = "User name" };
        var command = new Command("delete", "Delete a user") { name, dataDir };
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string user = result.GetValue(name)!;
            if (!Open(result.GetValue(dataDir)!).Delete(user))
                throw new CliException($"no user {user}", 1);
            await console.Out.WriteLineAsync($"User {user} deleted.");
            return 0;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var dataDir = DataDir();
        var command = new Command("list", "List users and their mechanisms") { dataDir };
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            foreach (var (user, mechanisms) in Open(result.GetValue(dataDir)!).List())
                await console.Out.WriteLineAsync($"{user}\t{string.Join(",", mechanisms)}");
            return 0;
        });
        return command;
    }

    private static CredentialStore Open(string dataDir)
    {
        try
        {
            return new CredentialStore(dataDir);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException(ex.Message, 1);
        }
    }
}
