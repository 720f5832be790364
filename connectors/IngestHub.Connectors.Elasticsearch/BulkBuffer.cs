using System.Buffers;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>
/// A growable byte buffer made of pooled segments: NDJSON is written straight into it (Utf8JsonWriter over this
/// IBufferWriter) and sent from it, so a bulk body is never copied into one contiguous array.
/// </summary>
internal sealed class BulkBuffer : IBufferWriter<byte>, IDisposable
{
    private const int SegmentSize = 64 * 1024;
    private readonly List<Segment> _segments = [];
    private int _length;

    public int Length => _length;

    public void Advance(int count)
    {
        var last = _segments[^1];
        if (count < 0 || last.Used + count > last.Array.Length)
            throw new InvalidOperationException("advanced past the span handed out");
        _segments[^1] = last with { Used = last.Used + count };
        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).Span;

    public void WriteByte(byte value)
    {
        Reserve(1).Span[0] = value;
        Advance(1);
    }

    /// <summary>Drops everything written after <paramref name="length"/> bytes.</summary>
    public void Truncate(int length)
    {
        while (_segments.Count > 0 && _segments[^1].Start >= length && _segments.Count > 1)
        {
            ArrayPool<byte>.Shared.Return(_segments[^1].Array);
            _segments.RemoveAt(_segments.Count - 1);
        }
        if (_segments.Count > 0)
            _segments[^1] = _segments[^1] with { Used = Math.Max(0, length - _segments[^1].Start) };
        _length = length;
    }

    /// <summary>Writes bytes [start, end) to <paramref name="stream"/> segment by segment.</summary>
    public async ValueTask WriteToAsync(Stream stream, int start, int end, CancellationToken cancellationToken)
    {
        foreach (var segment in _segments)
        {
            int segmentEnd = segment.Start + segment.Used;
            if (segmentEnd <= start)
                continue;
            if (segment.Start >= end)
                break;
            int from = Math.Max(start, segment.Start) - segment.Start;
            int to = Math.Min(end, segmentEnd) - segment.Start;
            await stream.WriteAsync(segment.Array.AsMemory(from, to - from), cancellationToken);
        }
    }

    /// <summary>Writes bytes [start, end) to <paramref name="stream"/> segment by segment.</summary>
    public void WriteTo(Stream stream, int start, int end)
    {
        foreach (var segment in _segments)
        {
            int segmentEnd = segment.Start + segment.Used;
            if (segmentEnd <= start)
                continue;
            if (segment.Start >= end)
                break;
            int from = Math.Max(start, segment.Start) - segment.Start;
            int to = Math.Min(end, segmentEnd) - segment.Start;
            stream.Write(segment.Array, from, to - from);
        }
    }

    /// <summary>Copies bytes [start, end) out (tests and diagnostics only).</summary>
    public byte[] ToArray(int start, int end)
    {
        var result = new byte[end - start];
        foreach (var segment in _segments)
        {
            int segmentEnd = segment.Start + segment.Used;
            if (segmentEnd <= start || segment.Start >= end)
                continue;
            int from = Math.Max(start, segment.Start);
            int to = Math.Min(end, segmentEnd);
            segment.Array.AsSpan(from - segment.Start, to - from).CopyTo(result.AsSpan(from - start));
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
            ArrayPool<byte>.Shared.Return(segment.Array);
        _segments.Clear();
        _length = 0;
    }

    private Memory<byte> Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_segments.Count > 0)
        {
            var last = _segments[^1];
            if (last.Array.Length - last.Used >= sizeHint)
                return last.Array.AsMemory(last.Used);
        }
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(SegmentSize, sizeHint));
        _segments.Add(new Segment(array, _length, 0));
        return array.AsMemory();
    }

    private readonly record struct Segment(byte[] Array, int Start, int Used);
}
