namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Running totals of one sink, for metrics and the connector status API.</summary>
public sealed class ElasticsearchSinkStatistics
{
    private long _stored, _alreadyIndexed, _rejected, _retriedItems, _bulkRequests;

    /// <summary>Documents Elasticsearch stored (200/201).</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Creates answered 409 for one of our ids: stored by an earlier attempt, counted as delivered.</summary>
    public long AlreadyIndexed => Interlocked.Read(ref _alreadyIndexed);

    /// <summary>Events refused permanently (mapping/parsing errors, unresolvable index name or id).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Item resends after 429/5xx item answers.</summary>
    public long RetriedItems => Interlocked.Read(ref _retriedItems);

    /// <summary>Bulk requests that got an answer.</summary>
    public long BulkRequests => Interlocked.Read(ref _bulkRequests);

    internal void AddStored(long n) => Interlocked.Add(ref _stored, n);
    internal void AddAlreadyIndexed(long n) => Interlocked.Add(ref _alreadyIndexed, n);
    internal void AddRejected(long n) => Interlocked.Add(ref _rejected, n);
    internal void AddRetriedItems(long n) => Interlocked.Add(ref _retriedItems, n);
    internal void AddBulkRequest() => Interlocked.Increment(ref _bulkRequests);
}
