using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Sends a <see cref="BulkRequest"/>'s pooled NDJSON bytes as the request body (all items, or the
/// listed ones on a retry), optionally gzip-compressed on the way out.</summary>
internal sealed class BulkContent : HttpContent
{
    private static readonly MediaTypeHeaderValue s_ndjson = new("application/x-ndjson");
    private readonly BulkRequest _request;
    private readonly int[]? _items;
    private readonly int _itemCount;
    private readonly bool _gzip;

    /// <param name="items">Item numbers to send in order, or null for all.</param>
    public BulkContent(BulkRequest request, int[]? items, int itemCount, bool gzip)
    {
        _request = request;
        _items = items;
        _itemCount = items is null ? request.Count : itemCount;
        _gzip = gzip;
        Headers.ContentType = s_ndjson;
        if (gzip)
            Headers.ContentEncoding.Add("gzip");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (!_gzip)
        {
            await WriteItemsAsync(stream, cancellationToken);
            return;
        }
        await using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
        await WriteItemsAsync(gzip, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        if (_gzip)
            return false;
        if (_items is null)
        {
            length = _request.Buffer.Length;
            return true;
        }
        for (int i = 0; i < _itemCount; i++)
            length += _request.ItemEnd(_items[i]) - _request.ItemStart(_items[i]);
        return true;
    }

    private async ValueTask WriteItemsAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = _request.Buffer;
        if (_items is null)
        {
            await buffer.WriteToAsync(stream, 0, buffer.Length, cancellationToken);
            return;
        }
        // Adjacent items go out as one range.
        int i = 0;
        while (i < _itemCount)
        {
            int start = _request.ItemStart(_items[i]);
            int end = _request.ItemEnd(_items[i]);
            while (i + 1 < _itemCount && _request.ItemStart(_items[i + 1]) == end)
            {
                i++;
                end = _request.ItemEnd(_items[i]);
            }
            await buffer.WriteToAsync(stream, start, end, cancellationToken);
            i++;
        }
    }
}
