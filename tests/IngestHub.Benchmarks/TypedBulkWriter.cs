using System.Globalization;
using System.Text.Json.Nodes;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Elastic.Transport;
using IngestHub.Pipelines.Events;

namespace IngestHub.Benchmarks;

/// <summary>
/// The typed alternative to the sink's raw body, for comparison: the same batch as one <c>_bulk</c> request built
/// from <see cref="BulkIndexOperation{T}"/>s (index name and document id formatted per event as the sink does,
/// each event's fields serialized by the client's source serializer) and read back as a typed
/// <see cref="BulkResponse"/>, on the same client settings (without <c>filter_path</c>, which the typed API marks
/// experimental because a filtered response may not deserialize).
/// </summary>
internal sealed class TypedBulkWriter : IDisposable
{
    private static readonly RequestConfiguration s_plain = new() { Accept = "application/json", ContentType = "application/x-ndjson" };

    private readonly ElasticsearchClientSettings _settings;
    private readonly ElasticsearchClient _client;

    public TypedBulkWriter(Uri node, bool gzip)
    {
#pragma warning disable CA2000 // the settings own the pool; Dispose disposes the settings
        _settings = new ElasticsearchClientSettings(new SingleNodePool(node)).EnableHttpCompression(gzip);
#pragma warning restore CA2000
        _client = new ElasticsearchClient(_settings);
    }

    public void Dispose() => ((IDisposable)_settings).Dispose();

    public async Task<int> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken)
    {
        var operations = new BulkOperationsCollection();
        foreach (var e in batch)
        {
            string index = "bench-" + e.Timestamp.UtcDateTime.ToString("yyyy.MM.dd", CultureInfo.InvariantCulture);
            string id = string.Create(CultureInfo.InvariantCulture, $"{e.Source.Topic}-{e.Source.Partition}-{e.Source.Offset}");
            operations.Add(new BulkIndexOperation<JsonObject>(e.Fields) { Index = index, Id = id });
        }
        var response = await _client.BulkAsync(new BulkRequest { Operations = operations, RequestConfiguration = s_plain }, cancellationToken);
        if (response.ApiCallDetails.HttpStatusCode != 200 || response.Items.Count != batch.Count)
            throw new InvalidOperationException("bulk failed: " + response.DebugInformation);
        int stored = 0;
        foreach (var item in response.Items)
            if (item.Status is >= 200 and < 300)
                stored++;
        return stored;
    }
}
