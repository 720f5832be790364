using System.Buffers;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Response bytes in a pooled array; dispose to return it.</summary>
internal sealed class ResponseBody : IDisposable
{
    private readonly int _length;
    private byte[]? _buffer;

    private ResponseBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public ReadOnlySpan<byte> Span => _buffer is null ? default : _buffer.AsSpan(0, _length);

    /// <summary>Reads <paramref name="stream"/> to its end.</summary>
    public static async Task<ResponseBody> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                    return new ResponseBody(buffer, length);
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
