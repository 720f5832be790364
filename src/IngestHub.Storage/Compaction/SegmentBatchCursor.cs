using System.Buffers;
using IngestHub.Protocol.Records;

namespace IngestHub.Storage.Compaction;

/// <summary>Reads the batches of one sealed segment in order through one pooled buffer, a chunk at a time, checking
/// each batch's size and CRC-32C. Holds a reference on the segment until disposed.</summary>
internal sealed class SegmentBatchCursor : IDisposable
{
    private readonly LogSegment _segment;
    private readonly long _limit;
    private readonly IoThrottle _throttle;
    private byte[] _buffer;
    private long _bufferPosition; // file position of _buffer[0]
    private int _filled;
    private int _next; // index in _buffer of the next batch
    private bool _released;

    public SegmentBatchCursor(LogSegment segment, int bufferSize, IoThrottle throttle)
    {
        if (!segment.TryAcquire())
            throw new SegmentGoneException(segment.BaseOffset);
        _segment = segment;
        _limit = segment.Size;
        _throttle = throttle;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, RecordBatchHeader.Size));
    }

    /// <summary>File position of the batch last returned.</summary>
    public long Position { get; private set; }

    /// <summary>The next batch; false at the end of the segment. Throws <see cref="InvalidDataException"/> on a batch
    /// that fails its checks (the cleaner then leaves the log as it is).</summary>
    public bool TryNext(out ReadOnlySpan<byte> batch, out RecordBatchHeader header, CancellationToken cancellationToken)
    {
        batch = default;
        header = default;
        long position = _bufferPosition + _next;
        if (position >= _limit)
            return false;
        if (!Ensure(RecordBatchHeader.Size, cancellationToken))
            throw Corrupt(position, "truncated header");
        var error = RecordBatchHeader.TryRead(_buffer.AsSpan(_next, _filled - _next), out header);
        if (error != RecordBatchError.None)
            throw Corrupt(position, error.ToString());
        if (!Ensure(header.TotalSize, cancellationToken))
            throw Corrupt(position, "batch runs past the end of the segment");
        batch = _buffer.AsSpan(_next, header.TotalSize);
        error = RecordBatchHeader.TryValidate(batch, out header);
        if (error != RecordBatchError.None)
            throw Corrupt(position, error.ToString());
        Position = position;
        _next += header.TotalSize;
        return true;
    }

    /// <summary>Makes <paramref name="count"/> bytes from <c>_next</c> available; false when the segment ends first.</summary>
    private bool Ensure(int count, CancellationToken cancellationToken)
    {
        if (_filled - _next >= count)
            return true;
        long position = _bufferPosition + _next;
        if (position + count > _limit)
            return false;
        int remaining = _filled - _next;
        if (count > _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(count);
            _buffer.AsSpan(_next, remaining).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = grown;
        }
        else
        {
            _buffer.AsSpan(_next, remaining).CopyTo(_buffer);
        }
        _bufferPosition = position;
        _next = 0;
        _filled = remaining;
        int want = (int)Math.Min(_buffer.Length - _filled, _limit - (position + _filled));
        while (want > 0)
        {
            int read = RandomAccess.Read(_segment.Handle, _buffer.AsSpan(_filled, want), position + _filled);
            if (read <= 0)
                return false;
            _filled += read;
            want -= read;
        }
        _throttle.Consume(_filled - remaining, cancellationToken);
        return _filled >= count;
    }

    private InvalidDataException Corrupt(long position, string reason) =>
        new($"{_segment.LogPath}: invalid batch at position {position} ({reason}); the log is left uncleaned");

    public void Dispose()
    {
        if (_released)
            return;
        _released = true;
        _segment.Release();
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
