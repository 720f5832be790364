using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub topologies list|describe|rebalance|pause|resume</c> through the appliance's HTTP API
/// (<c>/api/topologies</c>).</summary>
public static class TopologiesCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static Command Create(CliConsole console)
    {
        var command = new Command("topologies", "List, describe, rebalance, pause and resume stream topologies");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Describe(console));
        command.Subcommands.Add(Rebalance(console));
        command.Subcommands.Add(Control(console, "pause", "Stop calling the spouts (pending tuples still complete)"));
        command.Subcommands.Add(Control(console, "resume", "Start calling the spouts again"));
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "Topology name" };

    private static Command List(CliConsole console)
    {
        var url = new HttpApiOptions("-u");
        var command = new Command("list", "One line per topology: state, executors, tasks, emitted, acked, failed");
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            var topologies = await SendAsync(HttpMethod.Get, (url.UrlOf(result), url.CredentialsOf(result)), "api/topologies", null, ct) as JsonArray ?? [];
            var table = console.NewTable().AddColumns("NAME", "STATE", "ORIGIN", "UPTIME", "EXECUTORS", "TASKS", "EMITTED", "ACKED", "FAILED", "COMPLETE-MS");
            foreach (var t in topologies.OfType<JsonObject>())
            {
                table.AddRow(TopicsCommand.Cells(Text(t["name"]), Text(t["state"]), Text(t["origin"]), Uptime(t["uptime_seconds"]),
                    Text(t["executors"]), Text(t["tasks"]), Text(t["emitted"]), Text(t["acked"]), Text(t["failed"]), Text(t["complete_latency_ms"])));
            }
            console.Tables.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Describe(CliConsole console)
    {
        var url = new HttpApiOptions("-u");
        var name = NameArgument();
        var command = new Command("describe", "Per component: executors, tasks, counters, latencies, capacity, pending; the spouts' lag per partition") { name };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string topology = result.GetValue(name)!;
            var detail = await SendAsync(HttpMethod.Get, (url.UrlOf(result), url.CredentialsOf(result)), $"api/topologies/{Uri.EscapeDataString(topology)}", null, ct) as JsonObject
                ?? throw new CliException($"topology '{topology}': the appliance sent no description");
            await WriteDetailAsync(console, detail);
            return 0;
        });
        return command;
    }

    private static Command Rebalance(CliConsole console)
    {
        var url = new HttpApiOptions("-u");
        var name = NameArgument();
        var executors = new Option<string[]>("--executors", "-e")
        {
            Description = "component=count, repeated (at most the component's tasks)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("rebalance", "Change the executors (threads) of components while the topology runs; tasks stay fixed") { name, executors };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            var counts = new JsonObject();
            foreach (var (component, value) in SharedOptions.ParseKeyValues(result.GetValue(executors), "--executors"))
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
                    throw new CliException($"--executors {component}: the count must be a positive integer, not '{value}'", 2);
                counts[component] = count;
            }
            string topology = result.GetValue(name)!;
            var detail = await SendAsync(HttpMethod.Put, (url.UrlOf(result), url.CredentialsOf(result)), $"api/topologies/{Uri.EscapeDataString(topology)}/rebalance",
                new JsonObject { ["executors"] = counts }, ct) as JsonObject ?? throw new CliException($"topology '{topology}': the appliance sent no description");
            await WriteDetailAsync(console, detail);
            return 0;
        });
        return command;
    }

    private static Command Control(CliConsole console, string action, string description)
    {
        var url = new HttpApiOptions("-u");
        var name = NameArgument();
        var command = new Command(action, description) { name };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string topology = result.GetValue(name)!;
            await SendAsync(HttpMethod.Put, (url.UrlOf(result), url.CredentialsOf(result)), $"api/topologies/{Uri.EscapeDataString(topology)}/{action}", null, ct);
            await console.Out.WriteLineAsync($"{topology}: {action} requested");
            return 0;
        });
        return command;
    }

    private static async Task WriteDetailAsync(CliConsole console, JsonObject detail)
    {
        await console.Out.WriteLineAsync($"TOPOLOGY {Text(detail["name"])}  STATE {Text(detail["state"])}  UPTIME {Uptime(detail["uptime_seconds"])}  DEAD-LETTERED {Text(detail["dead_lettered"])}");
        if (detail["error"] is { } error)
            await console.Out.WriteLineAsync($"ERROR {Text(error)}");
        var components = console.NewTable().AddColumns("COMPONENT", "KIND", "EXECUTORS", "TASKS", "EMITTED", "ACKED", "FAILED",
            "EXECUTE-MS", "COMPLETE-MS", "CAPACITY", "PENDING", "QUEUED", "LAST-ERROR");
        var spouts = detail["spouts"] as JsonArray ?? [];
        foreach (var (kind, list) in new[] { ("spout", spouts), ("bolt", detail["bolts"] as JsonArray ?? []) })
        {
            foreach (var c in list.OfType<JsonObject>())
            {
                components.AddRow(TopicsCommand.Cells(Text(c["id"]), kind, Text(c["executors"]), Text(c["tasks"]), Text(c["emitted"]), Text(c["acked"]),
                    Text(c["failed"]), kind == "spout" ? "-" : Text(c["execute_latency_ms"]), kind == "spout" ? Text(c["complete_latency_ms"]) : "-",
                    Text(c["capacity"]), Text(c["pending"]), Text(c["queued"]), Text(c["last_error"])));
            }
        }
        console.Tables.Write(components);

        var lag = console.NewTable().AddColumns("SPOUT", "TOPIC", "PARTITION", "COMMITTED", "END-OFFSET", "LAG", "PENDING", "RETRYING");
        bool any = false;
        foreach (var spout in spouts.OfType<JsonObject>())
        {
            foreach (var p in (spout["partitions"] as JsonArray ?? []).OfType<JsonObject>())
            {
                any = true;
                lag.AddRow(TopicsCommand.Cells(Text(spout["id"]), Text(p["topic"]), Text(p["partition"]), Text(p["committed"]), Text(p["end_offset"]),
                    Text(p["lag"]), Text(p["pending"]), Text(p["retrying"])));
            }
        }
        if (any)
            console.Tables.Write(lag);
    }

    /// <summary>Sends one API request; an error answer becomes a one-line <see cref="CliException"/> with the API's message.</summary>
    private static async Task<JsonNode?> SendAsync(HttpMethod method, (string Url, HttpApiCredentials Credentials) target, string path, JsonNode? body, CancellationToken ct)
    {
        using var http = HttpApiOptions.CreateClient(target.Url, target.Credentials, TimeSpan.FromSeconds(30));
        var baseUri = http.BaseAddress;
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"cannot reach the appliance at {baseUri}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"the appliance at {baseUri} did not answer within 30 s");
        }
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(ct);
            JsonNode? json = null;
            try
            {
                json = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                if (response.IsSuccessStatusCode)
                    throw new CliException($"{method} {path}: the appliance answered with something that is not JSON");
            }
            if (!response.IsSuccessStatusCode)
            {
                string message = json?["message"]?.GetValue<string>() ?? $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                throw new CliException(HttpApiOptions.Explain(response.StatusCode, message));
            }
            return json;
        }
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v when v.TryGetValue(out long l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue(out double d) => d.ToString("0.###", CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    private static string Uptime(JsonNode? seconds) =>
        seconds is JsonValue v && v.TryGetValue(out double s) ? TimeSpan.FromSeconds(Math.Round(s)).ToString("c", CultureInfo.InvariantCulture) : "-";
}
