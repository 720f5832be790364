using IngestHub.Protocol;
using Microsoft.Win32.SafeHandles;

namespace IngestHub.Storage;

/// <summary>
/// Whole batches found by a read, as file ranges (no bytes copied yet) of the disk engine, or as the stored
/// buffers of the memory engine. Holds a reference on each segment so a concurrent retention delete cannot close
/// its file under the reader; dispose after copying.
/// </summary>
public sealed class LogReadResult : IDisposable
{
    private readonly List<LogChunk> _chunks = new(1);
    private readonly List<LogSegment> _referenced = new(1);
    // Memory engine: stored batches are immutable once appended, so the read hands out the buffers themselves.
    private List<ReadOnlyMemory<byte>>? _buffers;

    public ErrorCode Error { get; }
    public long HighWatermark { get; }
    public long LogStartOffset { get; }
    /// <summary>Total bytes of all chunks (file ranges and memory buffers).</summary>
    public int Length { get; private set; }
    /// <summary>File ranges of a disk read (empty for a memory read).</summary>
    public IReadOnlyList<LogChunk> Chunks => _chunks;

    internal LogReadResult(ErrorCode error, long highWatermark, long logStartOffset)
    {
        Error = error;
        HighWatermark = highWatermark;
        LogStartOffset = logStartOffset;
    }

    /// <summary>Holds the segment open until disposal; false when it is already gone.</summary>
    internal bool TryReference(LogSegment segment)
    {
        if (_referenced.Count > 0 && ReferenceEquals(_referenced[^1], segment))
            return true;
        if (!segment.TryAcquire())
            return false;
        _referenced.Add(segment);
        return true;
    }

    internal void Add(SafeFileHandle handle, long position, int length)
    {
        if (_chunks.Count > 0)
        {
            var last = _chunks[^1];
            if (ReferenceEquals(last.File, handle) && last.Position + last.Length == position)
            {
                _chunks[^1] = last with { Length = last.Length + length };
                Length += length;
                return;
            }
        }
        _chunks.Add(new LogChunk(handle, position, length));
        Length += length;
    }

    /// <summary>Adds a stored batch of the memory engine (never written again, so no copy is taken).</summary>
    internal void Add(ReadOnlyMemory<byte> batch)
    {
        (_buffers ??= new List<ReadOnlyMemory<byte>>(4)).Add(batch);
        Length += batch.Length;
    }

    /// <summary>Copies exactly <see cref="Length"/> bytes (pread per chunk) into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Length)
            throw new ArgumentException($"destination holds {destination.Length} bytes, {Length} needed", nameof(destination));
        int written = 0;
        foreach (var chunk in _chunks)
        {
            var target = destination.Slice(written, chunk.Length);
            long position = chunk.Position;
            while (!target.IsEmpty)
            {
                int n = RandomAccess.Read(chunk.File, target, position);
                if (n <= 0)
                    throw new IOException($"segment file ended at {position} while {target.Length} bytes were expected");
                target = target[n..];
                position += n;
            }
            written += chunk.Length;
        }
        if (_buffers is null)
            return;
        foreach (var buffer in _buffers)
        {
            buffer.Span.CopyTo(destination[written..]);
            written += buffer.Length;
        }
    }

    public void Dispose()
    {
        foreach (var segment in _referenced)
            segment.Release();
        _referenced.Clear();
    }
}
