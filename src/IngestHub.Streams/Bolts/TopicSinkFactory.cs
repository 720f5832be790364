using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;

namespace IngestHub.Streams.Bolts;

/// <summary>Output type <c>topic</c>: <c>topic</c> (required), <c>key</c> (template), <c>bootstrap.servers</c>
/// (default: the topology's cluster, reached with its security settings; a cluster named here is reached with PLAINTEXT).</summary>
public sealed class TopicSinkFactory(TopologyEnvironment environment) : ISinkFactory
{
    private static readonly SettingDefinition Topic = SettingDefinition.String("output", "topic", null, "Topic the events are written to", required: true);
    private static readonly SettingDefinition Key = SettingDefinition.String("output", "key", null, "Record key template, e.g. %{service}");
    private static readonly SettingDefinition Bootstrap = SettingDefinition.String("output", "bootstrap.servers", null,
        "Kafka cluster to write to (default: the topology's cluster)");

    public string Type => "topic";

    public IReadOnlyList<SettingDefinition> Settings { get; } = [Topic, Key, Bootstrap];

    public ISink Create(string connectorName, JsonObject settings, Microsoft.Extensions.Logging.ILoggerFactory loggerFactory)
    {
        var (topic, key, bootstrap) = Parse(settings);
        var options = environment.ClientOptions(new ProducerOptions { ClientId = $"ingesthub-topology-{connectorName}", Acks = Acks.All, LingerMs = 1 }, bootstrap);
        return new TopicSink(topic, key is null ? null : EventFormatter.Compile(key), options);
    }

    public async Task<IReadOnlyList<SinkCheck>> CheckAsync(string connectorName, JsonObject settings, CancellationToken cancellationToken)
    {
        var (topic, _, bootstrap) = Parse(settings);
        try
        {
            await using var admin = new KafkaAdminClient(environment.ClientOptions(new ClientOptions { ClientId = $"ingesthub-test-{connectorName}" }, bootstrap));
            bootstrap ??= environment.BootstrapServers;
            var metadata = await admin.DescribeTopicsAsync([topic], cancellationToken);
            bool exists = metadata.Topics.TryGetValue(topic, out var found) && found.Error == IngestHub.Protocol.ErrorCode.None;
            return
            [
                new SinkCheck("connect", true, $"connected to {bootstrap}"),
                new SinkCheck("topic", exists, exists ? $"topic {topic} exists" : $"topic {topic} does not exist"),
            ];
        }
        catch (KafkaException e)
        {
            return [new SinkCheck("connect", false, $"no answer from {bootstrap}: {e.Message}")];
        }
    }

    /// <summary>The topic, the key template and the output's own bootstrap servers (null: the topology's cluster).</summary>
    private (string Topic, string? Key, string? Bootstrap) Parse(JsonObject settings)
    {
        var s = new SettingsReader(settings);
        s.RejectUnknownKeys(Settings);
        string topic = s.RequiredString(Topic);
        string? key = s.String(Key);
        string? bootstrap = s.String(Bootstrap);
        if (bootstrap is null && environment.BootstrapServers is null)
            throw new ConfigException("bootstrap.servers", "is required (the topology has no default Kafka cluster)");
        return (topic, key, bootstrap);
    }
}
