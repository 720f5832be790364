using System.Text.Json;
using System.Text.Json.Nodes;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Builds <see cref="ElasticsearchSink"/>s for outputs of type <c>elasticsearch</c>.</summary>
public sealed class ElasticsearchSinkFactory : ISinkFactory
{
    public string Type => "elasticsearch";

    public IReadOnlyList<SettingDefinition> Settings => ElasticsearchSinkOptions.Definitions;

    public ISink Create(string connectorName, JsonObject settings, ILoggerFactory loggerFactory) =>
        new ElasticsearchSink(connectorName, ElasticsearchSinkOptions.Parse(settings), loggerFactory.CreateLogger<ElasticsearchSink>());

    /// <summary>GET / (cluster name and version), then <c>_security/user/_has_privileges</c> for writing to the
    /// target index pattern. One attempt per request; a cluster without security passes the second check.</summary>
    public async Task<IReadOnlyList<SinkCheck>> CheckAsync(string connectorName, JsonObject settings, CancellationToken cancellationToken)
    {
        var once = (JsonObject)settings.DeepClone();
        once["request.retries"] = 0;
        once.TryAdd("request.timeout.ms", 10_000);
        var options = ElasticsearchSinkOptions.Parse(once);
        using var connection = new ElasticsearchConnection(options, NullLogger.Instance);
        var checks = new List<SinkCheck>();
        try
        {
            var info = await connection.SendAsync("GET /", token => connection.Client.InfoAsync(new InfoRequest { RequestConfiguration = ElasticsearchConnection.Json }, token), cancellationToken);
            if (!info.IsValidResponse)
                return [new SinkCheck("cluster", false, $"GET / answered HTTP {info.ApiCallDetails.HttpStatusCode}")];
            checks.Add(new SinkCheck("cluster", true, $"cluster {info.ClusterName}, Elasticsearch {info.Version?.Number}"));
        }
        catch (Exception e) when (e is SinkUnavailableException or TransportException or UnsupportedProductException)
        {
            return [new SinkCheck("cluster", false, e.Message.ReplaceLineEndings(" "))];
        }

        string pattern = IndexNameTemplate.Parse(options.EffectiveIndex, "index", lowercaseFields: true).WildcardPattern;
        string[] privileges = options.EffectiveAction == BulkAction.Create ? ["create_doc", "auto_configure"] : ["index", "auto_configure"];
        var body = new JsonObject
        {
            ["index"] = new JsonArray(new JsonObject
            {
                ["names"] = new JsonArray(pattern),
                ["privileges"] = new JsonArray([.. privileges.Select(p => (JsonNode)p)]),
            }),
        };
        try
        {
            var answer = await connection.Client.Transport.RequestAsync<StringResponse>(
                new EndpointPath(Elastic.Transport.HttpMethod.POST, "_security/user/_has_privileges"), PostData.String(body.ToJsonString()),
                null, ElasticsearchConnection.Json, cancellationToken);
            checks.Add(Privileges(answer, pattern, privileges));
        }
        catch (TransportException e)
        {
            checks.Add(new SinkCheck("index privileges", false, e.Message.ReplaceLineEndings(" ")));
        }
        return checks;
    }

    private static SinkCheck Privileges(StringResponse answer, string pattern, string[] privileges)
    {
        int status = answer.ApiCallDetails.HttpStatusCode ?? 0;
        string text = answer.Body ?? "";
        if (status is 400 or 404 or 405 or 500 && text.Contains("security", StringComparison.OrdinalIgnoreCase) || status == 404)
            return new SinkCheck("index privileges", true, "not checked: the cluster has no security enabled");
        if (status is 401 or 403)
            return new SinkCheck("index privileges", false, $"HTTP {status}: credentials refused");
        if (status != 200)
            return new SinkCheck("index privileges", false, $"HTTP {status}: {ElasticsearchConnection.Excerpt(System.Text.Encoding.UTF8.GetBytes(text))}");
        try
        {
            var json = JsonNode.Parse(text);
            if (json?["has_all_requested"]?.GetValue<bool>() == true)
                return new SinkCheck("index privileges", true, $"{string.Join(", ", privileges)} on {pattern}");
            var missing = new List<string>();
            if (json?["index"]?[pattern] is JsonObject granted)
                foreach (var (name, value) in granted)
                    if (value?.GetValue<bool>() != true)
                        missing.Add(name);
            return new SinkCheck("index privileges", false, $"missing {string.Join(", ", missing.Count > 0 ? missing : [.. privileges])} on {pattern}");
        }
        catch (JsonException)
        {
            return new SinkCheck("index privileges", false, "unreadable _has_privileges answer");
        }
    }
}
