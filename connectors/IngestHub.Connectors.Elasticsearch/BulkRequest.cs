using System.Buffers;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>One <c>_bulk</c> body under construction: its NDJSON bytes and, per item, where the item's action
/// and source lines start and which event of the caller's batch it carries. Retries resend a subset of items
/// straight from the same bytes.</summary>
internal sealed class BulkRequest : IDisposable
{
    private int[] _itemStarts;
    private int[] _eventIndexes;

    public BulkRequest(int capacity)
    {
        _itemStarts = ArrayPool<int>.Shared.Rent(capacity + 1);
        _eventIndexes = ArrayPool<int>.Shared.Rent(capacity);
        _itemStarts[0] = 0;
    }

    public BulkBuffer Buffer { get; } = new();

    public int Count { get; private set; }

    public int EventIndex(int item) => _eventIndexes[item];

    public int ItemStart(int item) => _itemStarts[item];

    public int ItemEnd(int item) => _itemStarts[item + 1];

    /// <summary>Records the bytes written since the previous item as item <see cref="Count"/>.</summary>
    public void CommitItem(int eventIndex)
    {
        _eventIndexes[Count] = eventIndex;
        Count++;
        _itemStarts[Count] = Buffer.Length;
    }

    public void Dispose()
    {
        Buffer.Dispose();
        ArrayPool<int>.Shared.Return(_itemStarts);
        ArrayPool<int>.Shared.Return(_eventIndexes);
        _itemStarts = [];
        _eventIndexes = [];
    }
}
