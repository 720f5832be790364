using System.CommandLine;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub connectors list|describe|create|validate|pause|resume|restart|delete|export</c> against the
/// appliance's HTTP API. <c>validate</c> and <c>create</c> read a <c>pipelines/</c> YAML file and exit 1 when the
/// configuration has errors, listing each with its setting.</summary>
public static class ConnectorsCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("connectors", "Create, validate, inspect and control sink connectors through the HTTP API");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Describe(console));
        command.Subcommands.Add(CreateFromFile(console));
        command.Subcommands.Add(Validate(console));
        command.Subcommands.Add(Simple(console, "pause", "Pause a connector (its workers stop fetching)", HttpMethod.Put, "pause", "Paused"));
        command.Subcommands.Add(Simple(console, "resume", "Resume a paused connector", HttpMethod.Put, "resume", "Resumed"));
        command.Subcommands.Add(Simple(console, "restart", "Restart a connector (clears FAILED)", HttpMethod.Post, "restart", "Restarted"));
        command.Subcommands.Add(Simple(console, "delete", "Stop and delete a connector", HttpMethod.Delete, null, "Deleted"));
        command.Subcommands.Add(Export(console));
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "Connector name" };

    private static Option<FileInfo> FileOption() => new("--file", "-f") { Description = "Pipeline definition (YAML or JSON)", Required = true };

    private static string Path(string name) => "connectors/" + Uri.EscapeDataString(name);

    private static Command List(CliConsole console)
    {
        var url = new HttpApiOptions();
        var command = new Command("list", "List connectors with their state, sink type, workers and topics");
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            using var api = new ConnectApi(url.UrlOf(result), url.CredentialsOf(result));
            var connectors = (await api.GetAsync("api/connectors", ct))?.AsArray() ?? [];
            var table = console.NewTable().AddColumns("NAME", "STATE", "TYPE", "WORKERS", "TOPICS", "EVENTS-OUT", "DEAD-LETTERED");
            foreach (var c in connectors)
            {
                string name = (string)c!["name"]!;
                var config = await api.GetAsync(Path(name) + "/config", ct);
                table.AddRow(TopicsCommand.Cells(name, (string?)c["state"] ?? "-", (string?)config?["output"]?["type"] ?? "-",
                    c["worker_count"]?.ToJsonString() ?? "-", string.Join(",", c["topics"]?.AsArray().Select(t => (string)t!) ?? []),
                    c["counters"]?["events_out"]?.ToJsonString() ?? "-", c["dead_lettered"]?.ToJsonString() ?? "-"));
            }
            if (connectors.Count == 0)
                await console.Out.WriteLineAsync("No connectors.");
            else
                console.Tables.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Describe(CliConsole console)
    {
        var url = new HttpApiOptions();
        var name = NameArgument();
        var command = new Command("describe", "Show a connector's state, workers, counters and configuration") { name };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            using var api = new ConnectApi(url.UrlOf(result), url.CredentialsOf(result));
            string connector = result.GetValue(name)!;
            var status = await api.GetAsync(Path(connector) + "/status", ct);
            var config = (await api.GetAsync(Path(connector) + "/config", ct))!.AsObject();
            await console.Out.WriteLineAsync($"CONNECTOR {connector}  STATE {status?["connector"]?["state"]}  TYPE {config["output"]?["type"]}  DLQ {status?["dead_letter_topic"]}");
            if (status?["connector"]?["trace"] is JsonValue trace)
                await console.Out.WriteLineAsync("ERROR " + trace.GetValue<string>());
            var workers = console.NewTable().AddColumns("WORKER", "STATE", "PARTITIONS", "MEMBER", "TRACE");
            foreach (var w in status?["tasks"]?.AsArray() ?? [])
                workers.AddRow(TopicsCommand.Cells(w!["id"]!.ToJsonString(), (string?)w["state"] ?? "-",
                    string.Join(",", w["partitions"]?.AsArray().Select(p => (string)p!) ?? []), (string?)w["worker_id"] ?? "-", (string?)w["trace"] ?? ""));
            console.Tables.Write(workers);
            var counters = console.NewTable().AddColumns("COUNTER", "VALUE");
            foreach (var (key, value) in status?["counters"]?.AsObject() ?? [])
                counters.AddRow(TopicsCommand.Cells(key, value?.ToJsonString() ?? "-"));
            console.Tables.Write(counters);
            await console.Out.WriteLineAsync("CONFIG");
            await console.Out.WriteAsync(YamlJson.Write(config));
            return 0;
        });
        return command;
    }

    private static Command CreateFromFile(CliConsole console)
    {
        var url = new HttpApiOptions();
        var file = FileOption();
        var nameOption = new Option<string>("--name") { Description = "Connector name (default: name: in the file, else the file name)" };
        var command = new Command("create", "Validate a pipeline file and create the connector from it") { file, nameOption };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            using var api = new ConnectApi(url.UrlOf(result), url.CredentialsOf(result));
            var (name, config) = await ReadFileAsync(result.GetValue(file)!, result.GetValue(nameOption), ct);
            if (!await ValidateAsync(console, api, config, quietWhenValid: true, ct))
                return 1;
            var created = await api.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = name, ["config"] = config }, ct);
            await console.Out.WriteLineAsync($"Created connector {created?["name"] ?? name}.");
            return 0;
        });
        return command;
    }

    private static Command Validate(CliConsole console)
    {
        var url = new HttpApiOptions();
        var file = FileOption();
        var command = new Command("validate", "Validate a pipeline file (exit 1 when it has errors); nothing is created") { file };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            using var api = new ConnectApi(url.UrlOf(result), url.CredentialsOf(result));
            var (_, config) = await ReadFileAsync(result.GetValue(file)!, null, ct);
            return await ValidateAsync(console, api, config, quietWhenValid: false, ct) ? 0 : 1;
        });
        return command;
    }

    /// <summary>Prints the errors (or "valid") and answers whether the configuration is valid.</summary>
    private static async Task<bool> ValidateAsync(CliConsole console, ConnectApi api, JsonObject config, bool quietWhenValid, CancellationToken ct)
    {
        string type = (string?)config["output"]?["type"] ?? throw new CliException("output.type: is required (redis or elasticsearch)");
        var answer = await api.SendAsync(HttpMethod.Put, $"connector-plugins/{Uri.EscapeDataString(type)}/config/validate", config, ct)
            ?? throw new CliException("validate: empty answer");
        int errors = (int)answer["error_count"]!;
        if (errors == 0)
        {
            if (!quietWhenValid)
                await console.Out.WriteLineAsync($"Valid {type} connector configuration (0 errors).");
            return true;
        }
        var table = console.NewTable().AddColumns("SETTING", "VALUE", "ERROR");
        foreach (var entry in answer["configs"]!.AsArray())
        {
            var value = entry!["value"]!;
            foreach (var error in value["errors"]!.AsArray())
                table.AddRow(TopicsCommand.Cells((string)value["name"]!, (string?)value["value"] ?? "", (string)error!));
        }
        console.Tables.Write(table);
        await console.Error.WriteLineAsync($"ingesthub: {errors} error(s) in the {type} connector configuration");
        return false;
    }

    private static Command Simple(CliConsole console, string verb, string description, HttpMethod method, string? action, string done)
    {
        var url = new HttpApiOptions();
        var name = NameArgument();
        var command = new Command(verb, description) { name };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            using var api = new ConnectApi(url.UrlOf(result), url.CredentialsOf(result));
            string connector = result.GetValue(name)!;
            await api.SendAsync(method, action is null ? Path(connector) : Path(connector) + "/" + action, null, ct);
            await console.Out.WriteLineAsync($"{done} connector {connector}.");
            return 0;
        });
        return command;
    }

    private static Command Export(CliConsole console)
    {
        var url = new HttpApiOptions();
        var name = NameArgument();
        var output = new Option<FileInfo>("--output", "-o") { Description = "Write to this file instead of stdout" };
        var command = new Command("export", "Print a connector's configuration as a pipelines/ YAML file") { name, output };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            using var api = new ConnectApi(url.UrlOf(result), url.CredentialsOf(result));
            string connector = result.GetValue(name)!;
            string yaml = await api.GetTextAsync(Path(connector) + "/config?format=yaml", ct);
            if (result.GetValue(output) is { } file)
            {
                IngestHub.Storage.AtomicFile.WriteAllText(file.FullName, yaml);
                await console.Out.WriteLineAsync($"Wrote {file.FullName}.");
            }
            else
            {
                await console.Out.WriteAsync(yaml);
            }
            return 0;
        });
        return command;
    }

    private static async Task<(string Name, JsonObject Config)> ReadFileAsync(FileInfo file, string? name, CancellationToken ct)
    {
        if (!file.Exists)
            throw new CliException($"file {file.FullName} does not exist");
        JsonObject config;
        try
        {
            config = YamlJson.ParseObject(await File.ReadAllTextAsync(file.FullName, ct));
        }
        catch (ConfigException e)
        {
            throw new CliException($"{file.Name}: {e.Message}");
        }
        name ??= (string?)config["name"] ?? System.IO.Path.GetFileNameWithoutExtension(file.Name);
        config["name"] = name;
        return (name, config);
    }
}
