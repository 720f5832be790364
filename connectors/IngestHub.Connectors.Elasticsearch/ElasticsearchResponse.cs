using System.Buffers;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>A status and a pooled response body; dispose to return the buffer.</summary>
internal readonly record struct ElasticsearchResponse(int Status, ResponseBody Body) : IDisposable
{
    public void Dispose() => Body.Dispose();
}

/// <summary>Response bytes in a pooled array.</summary>
internal sealed class ResponseBody(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public ReadOnlySpan<byte> Span => _buffer is null ? default : _buffer.AsSpan(0, length);

    public void Dispose()
    {
        var b = Interlocked.Exchange(ref _buffer, null);
        if (b is not null)
            ArrayPool<byte>.Shared.Return(b);
    }
}
