namespace IngestHub.Streams.Kafka;

/// <summary>
/// The emitted, not yet committed offsets of one partition, ascending, with a done flag each (acked, or sent to
/// the dead-letter topic). The committable offset is the first one not done: Storm's rule that an offset commits
/// only when every emitted offset below it is done. Offsets never emitted (compacted away, transaction markers)
/// are never waited for. Nine bytes per tracked offset.
/// </summary>
internal sealed class OffsetTracker
{
    private long[] _offsets = new long[64];
    private bool[] _done = new bool[64];
    private int _head;
    private int _count;
    private long _last = -1;

    public int Count => _count;

    public long LastEmitted => _last;

    /// <summary>Records a newly emitted offset (higher than every earlier one).</summary>
    public void Emitted(long offset)
    {
        if (offset <= _last)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"offsets must increase (last {_last})");
        if (_count == _offsets.Length)
            Grow();
        int slot = (_head + _count) & (_offsets.Length - 1);
        _offsets[slot] = offset;
        _done[slot] = false;
        _count++;
        _last = offset;
    }

    /// <summary>Marks an offset done; false when it is not tracked (already committed, or never emitted here).</summary>
    public bool Done(long offset)
    {
        int lo = 0;
        int hi = _count - 1;
        int mask = _offsets.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int slot = (_head + mid) & mask;
            long value = _offsets[slot];
            if (value == offset)
            {
                _done[slot] = true;
                return true;
            }
            if (value < offset)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return false;
    }

    /// <summary>The next offset to commit: the first emitted offset not done, or the one after the last emitted
    /// when all are done; -1 before anything was emitted. Done offsets at the head are dropped.</summary>
    public long Committable()
    {
        int mask = _offsets.Length - 1;
        while (_count > 0 && _done[_head])
        {
            _head = (_head + 1) & mask;
            _count--;
        }
        if (_count > 0)
            return _offsets[_head];
        return _last < 0 ? -1 : _last + 1;
    }

    private void Grow()
    {
        var offsets = new long[_offsets.Length * 2];
        var done = new bool[_done.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            int slot = (_head + i) & (_offsets.Length - 1);
            offsets[i] = _offsets[slot];
            done[i] = _done[slot];
        }
        _offsets = offsets;
        _done = done;
        _head = 0;
    }
}
