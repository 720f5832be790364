using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub autoscaler status [target]|spill|unspill</c>, through the appliance's HTTP API.</summary>
public static class AutoscalerCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static Command Create(CliConsole console)
    {
        var command = new Command("autoscaler", "Show autoscaled connectors and start or end a spill");
        command.Subcommands.Add(Status(console));
        command.Subcommands.Add(Request(console, "spill", "Spill a target's backlog to a wider temporary topic now"));
        command.Subcommands.Add(Request(console, "unspill", "End a target's spill: stop relaying, drain, switch back"));
        return command;
    }

    private static Command Status(CliConsole console)
    {
        var url = new HttpApiOptions();
        var target = new Argument<string?>("target") { Description = "One target in detail", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Targets: policy, desired and running workers, lag, stalls, spill phase, last decisions") { target };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            using var http = url.CreateClient(result, TimeSpan.FromSeconds(15));
            string? name = result.GetValue(target);
            if (name is null)
            {
                var all = (JsonArray)await GetAsync(http, "api/autoscaler", ct);
                if (all.Count == 0)
                {
                    await console.Out.WriteLineAsync("No autoscaled targets (give a connector an autoscale section).");
                    return 0;
                }
                var table = console.NewTable().AddColumns("TARGET", "KIND", "STATUS", "PHASE", "DESIRED", "ACTUAL", "LAG", "SPILL-WORKERS", "SPILL-LAG", "LAST DECISION");
                foreach (var t in all)
                {
                    var spill = t!["spill"];
                    var last = t["decisions"]!.AsArray().LastOrDefault(d => (string)d!["kind"]! != "error");
                    table.AddRow(TopicsCommand.Cells((string)t["target"]!, (string)t["kind"]!, (string)t["status"]!, (string)t["phase"]!,
                        Num(t["desired_workers"]), Num(t["actual_workers"]), Num(t["total_lag"]), spill is null ? "-" : Num(spill["workers"]),
                        spill is null ? "-" : Num(spill["lag"]), last is null ? "-" : $"{last["kind"]} {Time(last["at"])}"));
                }
                console.Tables.Write(table);
                return 0;
            }
            var one = (JsonObject)await GetAsync(http, "api/autoscaler/" + Uri.EscapeDataString(name), ct);
            await WriteDetailAsync(console, one);
            return 0;
        });
        return command;
    }

    private static async Task WriteDetailAsync(CliConsole console, JsonObject t)
    {
        var policy = t["policy"];
        await console.Out.WriteLineAsync($"TARGET {t["target"]}  KIND {t["kind"]}  GROUP {t["group"]}  TOPICS {string.Join(",", t["topics"]!.AsArray().Select(x => (string)x!))}  STATUS {t["status"]}  PHASE {t["phase"]}");
        await console.Out.WriteLineAsync($"WORKERS desired {Num(t["desired_workers"])}  running {Num(t["actual_workers"])}  LAG {Num(t["total_lag"])}");
        if (policy is not null)
            await console.Out.WriteLineAsync($"POLICY min {policy["min"]}  max {policy["max"]}  lagThreshold {policy["lagThreshold"]}  activationLag {policy["activationLag"]}  " +
                $"scaleDownStabilization {policy["scaleDownStabilization"]}  interval {policy["interval"]}  spill {((bool)policy["spill"]!["enabled"]! ? $"above {policy["spill"]!["threshold"]} for {policy["spill"]!["after"]}, ×{policy["spill"]!["factor"]}" : "disabled")}");
        if (t["recommendation"] is { } r)
            await console.Out.WriteLineAsync($"RECOMMENDATION {r["workers"]}: {r["reason"]}");
        if (t["hot_partition"] is { } hot)
            await console.Out.WriteLineAsync($"HOT PARTITION {hot["topic"]}-{hot["partition"]} holds {(double)hot["share"]!:P0} of the lag");
        if (t["spill"] is { } spill)
            await console.Out.WriteLineAsync($"SPILL {spill["phase"]}  group {spill["group"]}  topics {string.Join(", ", spill["topics"]!.AsObject().Select(p => $"{p.Key} → {p.Value}"))}  " +
                $"workers {Num(spill["workers"])}/{Num(spill["desired_workers"])}  lag {Num(spill["lag"])}");
        if (t["last_error"] is { } error)
            await console.Out.WriteLineAsync($"LAST ERROR {error}");

        var partitions = console.NewTable().AddColumns("TOPIC", "PARTITION", "COMMITTED", "LAG", "SHARE", "STATUS", "STILL");
        foreach (var p in t["partitions"]!.AsArray())
            partitions.AddRow(TopicsCommand.Cells((string)p!["topic"]!, Num(p["partition"]), Num(p["committed_offset"]), Num(p["lag"]),
                ((double)p["share"]!).ToString("P0", CultureInfo.InvariantCulture), (string)p["status"]!, $"{(long)p["still_for_ms"]! / 1000.0:0.#} s"));
        console.Tables.Write(partitions);

        var decisions = console.NewTable().AddColumns("TIME", "DECISION", "WORKERS", "REASON");
        foreach (var d in t["decisions"]!.AsArray().TakeLast(15))
            decisions.AddRow(TopicsCommand.Cells(Time(d!["at"]), (string)d["kind"]!, d["from"] is null && d["to"] is null ? "" : $"{Num(d["from"])} → {Num(d["to"])}", (string)d["reason"]!));
        console.Tables.Write(decisions);
    }

    private static Command Request(CliConsole console, string action, string description)
    {
        var url = new HttpApiOptions();
        var target = new Argument<string>("target") { Description = "Target (connector name)" };
        var command = new Command(action, description) { target };
        url.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            using var http = url.CreateClient(result, TimeSpan.FromSeconds(15));
            string name = result.GetValue(target)!;
            using var response = await http.PostAsync($"api/autoscaler/{Uri.EscapeDataString(name)}/{action}", null, ct);
            if (!response.IsSuccessStatusCode)
                throw new CliException(await ErrorMessageAsync(response, ct));
            await console.Out.WriteLineAsync($"{action} of {name} accepted; follow it with 'ingesthub autoscaler status {name}'");
            return 0;
        });
        return command;
    }

    private static async Task<JsonNode> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(path, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"cannot reach the appliance at {http.BaseAddress}: {ex.Message}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new CliException(await ErrorMessageAsync(response, ct));
            return await response.Content.ReadFromJsonAsync<JsonNode>(ct) ?? throw new CliException($"{path}: empty answer");
        }
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
            if (body?["message"] is JsonValue message)
                return HttpApiOptions.Explain(response.StatusCode, message.GetValue<string>());
        }
        catch (JsonException)
        {
        }
        return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
    }

    private static string Num(JsonNode? node) => node is null ? "-" : ((long)node).ToString(CultureInfo.InvariantCulture);

    private static string Time(JsonNode? ms) => ms is null ? "-" : DateTimeOffset.FromUnixTimeMilliseconds((long)ms).ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
