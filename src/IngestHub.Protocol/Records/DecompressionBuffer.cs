using System.Buffers;

namespace IngestHub.Protocol.Records;

/// <summary>
/// Output of one decompression: an array rented from the shared pool that doubles as it fills, never past a
/// limit, so a decompression bomb is refused instead of allocated. The codecs write into <see cref="Free"/> and
/// <see cref="Advance"/>; <see cref="Detach"/> hands the array to the caller (who returns it to the pool), and
/// <see cref="Dispose"/> returns it when it was not detached.
/// </summary>
internal struct DecompressionBuffer : IDisposable
{
    private readonly int _limit;
    private byte[]? _array;

    public DecompressionBuffer(long initialSize, int limit)
    {
        _limit = limit;
        _array = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(initialSize, 1, Math.Max(limit, 1)));
        Length = 0;
    }

    public int Length { get; private set; }

    /// <summary>True once the output has reached the limit: any further byte makes the batch too large.</summary>
    public readonly bool AtLimit => Length >= _limit;

    /// <summary>Room left before the end of the array or the limit; grows the array when it is full and the limit
    /// allows. Empty only at the limit.</summary>
    public Span<byte> Free
    {
        get
        {
            var array = _array!;
            if (Length == array.Length && Length < _limit)
            {
                var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(array.Length * 2L, _limit));
                array.AsSpan(0, Length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(array);
                _array = array = grown;
            }
            return array.AsSpan(Length, Math.Min(array.Length, _limit) - Length);
        }
    }

    public void Advance(int count) => Length += count;

    /// <summary>Gives the rented array to the caller; this buffer no longer owns it.</summary>
    public byte[] Detach()
    {
        var array = _array!;
        _array = null;
        return array;
    }

    public void Dispose()
    {
        var array = _array;
        _array = null;
        if (array is not null)
            ArrayPool<byte>.Shared.Return(array);
    }
}
