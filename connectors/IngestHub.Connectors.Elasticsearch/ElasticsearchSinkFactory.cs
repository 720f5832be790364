using System.Text.Json.Nodes;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Builds <see cref="ElasticsearchSink"/>s for outputs of type <c>elasticsearch</c>.</summary>
public sealed class ElasticsearchSinkFactory : ISinkFactory
{
    public string Type => "elasticsearch";

    public ISink Create(string connectorName, JsonObject settings, ILoggerFactory loggerFactory) =>
        new ElasticsearchSink(connectorName, ElasticsearchSinkOptions.Parse(settings), loggerFactory.CreateLogger<ElasticsearchSink>());
}
