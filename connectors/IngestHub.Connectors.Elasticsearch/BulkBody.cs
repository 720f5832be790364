namespace IngestHub.Connectors.Elasticsearch;

/// <summary>What one <c>_bulk</c> attempt sends: a <see cref="BulkRequest"/>'s pooled NDJSON bytes, all items or
/// (on a retry) the listed ones, written as they are into the client's request stream.</summary>
/// <param name="Items">Item numbers to send in order, or null for all.</param>
internal readonly record struct BulkBody(BulkRequest Request, int[]? Items, int ItemCount)
{
    public static void Write(BulkBody body, Stream stream)
    {
        var buffer = body.Request.Buffer;
        if (body.Items is null)
        {
            buffer.WriteTo(stream, 0, buffer.Length);
            return;
        }
        int i = 0;
        while (i < body.ItemCount)
        {
            int next = body.NextRange(i, out int start, out int end);
            buffer.WriteTo(stream, start, end);
            i = next;
        }
    }

    public static async Task WriteAsync(BulkBody body, Stream stream, CancellationToken cancellationToken)
    {
        var buffer = body.Request.Buffer;
        if (body.Items is null)
        {
            await buffer.WriteToAsync(stream, 0, buffer.Length, cancellationToken);
            return;
        }
        int i = 0;
        while (i < body.ItemCount)
        {
            int next = body.NextRange(i, out int start, out int end);
            await buffer.WriteToAsync(stream, start, end, cancellationToken);
            i = next;
        }
    }

    /// <summary>The byte range of listed item <paramref name="i"/> and the adjacent items after it; returns
    /// the index of the first item past the range.</summary>
    private int NextRange(int i, out int start, out int end)
    {
        start = Request.ItemStart(Items![i]);
        end = Request.ItemEnd(Items[i]);
        while (i + 1 < ItemCount && Request.ItemStart(Items[i + 1]) == end)
        {
            i++;
            end = Request.ItemEnd(Items[i]);
        }
        return i + 1;
    }
}
