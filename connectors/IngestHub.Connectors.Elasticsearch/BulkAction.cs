namespace IngestHub.Connectors.Elasticsearch;

/// <summary>The bulk operation written per event: <c>index</c> overwrites a document with the same id,
/// <c>create</c> fails with 409 when it exists (the only operation data streams accept).</summary>
public enum BulkAction
{
    Index,
    Create,
}
