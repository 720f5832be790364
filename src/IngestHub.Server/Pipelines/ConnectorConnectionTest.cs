using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngestHub.Client;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Runtime;
using IngestHub.Pipelines.Sinks;

namespace IngestHub.Server.Pipelines;

/// <summary>
/// Checks that a connector configuration can run, without running it: it validates, its source topics exist,
/// and its sink answers (the sink type's own <see cref="ISinkFactory.CheckAsync"/>: Redis PING with AUTH,
/// Elasticsearch cluster info and index privileges). Nothing is consumed and nothing is written.
/// </summary>
public sealed class ConnectorConnectionTest(ConnectorValidator validator, PipelineCompiler compiler)
{
    public async Task<(IReadOnlyList<SinkCheck> Checks, ConnectorValidation? Validation)> RunAsync(string name, JsonObject config, ClientOptions? kafka, CancellationToken cancellationToken)
    {
        var checks = new List<SinkCheck>();
        string? type = config["output"] is JsonObject o && o["type"] is JsonValue t && t.TryGetValue(out string? s) ? s : null;
        if (type is null || validator.Schema(type) is null)
        {
            checks.Add(new SinkCheck("config", false, type is null ? "output.type: is required" : $"output.type: unknown output {type}"));
            return (checks, null);
        }
        var work = (JsonObject)config.DeepClone();
        work["name"] = name;
        var validation = await validator.ValidateAsync(type, work);
        if (!validation.IsValid)
        {
            var first = validation.Settings.First(v => v.Errors.Count > 0);
            checks.Add(new SinkCheck("config", false, $"{validation.ErrorCount} error(s); {first.Path}: {first.Errors[0]}"));
            return (checks, validation);
        }
        checks.Add(new SinkCheck("config", true, "valid"));
        if (kafka is not null)
            checks.Add(await TopicsAsync(compiler.Expand(work), kafka, cancellationToken));
        checks.AddRange(await compiler.CheckSinkAsync(name, work, cancellationToken));
        return (checks, validation);
    }

    private static async Task<SinkCheck> TopicsAsync(JsonObject config, ClientOptions kafka, CancellationToken cancellationToken)
    {
        var definition = PipelineDefinition.FromJson(config);
        var options = kafka.CopyConnectionTo(new ClientOptions { ClientId = "ingesthub-connector-test", ConnectTimeoutMs = 5_000 });
        try
        {
            await using var admin = new KafkaAdminClient(options);
            var metadata = await admin.DescribeTopicsAsync(null, cancellationToken);
            var existing = metadata.Topics.Values.Where(t => t.Error == Protocol.ErrorCode.None && !t.IsInternal).ToDictionary(t => t.Name);
            if (definition.Input.TopicsRegex is { } pattern)
            {
                var regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                var matching = existing.Keys.Where(n => regex.IsMatch(n)).Order(StringComparer.Ordinal).ToList();
                return matching.Count > 0
                    ? new SinkCheck("topics", true, $"{matching.Count} topic(s) match {pattern}: {string.Join(", ", matching.Take(10))}")
                    : new SinkCheck("topics", false, $"no topic matches {pattern} yet");
            }
            var missing = definition.Input.Topics.Where(t => !existing.ContainsKey(t)).ToList();
            if (missing.Count > 0)
                return new SinkCheck("topics", false, $"topic(s) do not exist: {string.Join(", ", missing)}");
            return new SinkCheck("topics", true, string.Join(", ", definition.Input.Topics.Select(t => $"{t} ({existing[t].Partitions.Count} partitions)")));
        }
        catch (KafkaException e)
        {
            return new SinkCheck("topics", false, $"Kafka at {options.BootstrapServers}: {e.Message}");
        }
    }
}
