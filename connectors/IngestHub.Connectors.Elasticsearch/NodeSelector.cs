namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Round-robin over the configured nodes, skipping a node that failed until its cool-down ends. When
/// every node is cooling down the one that recovers first is tried rather than failing without a request.</summary>
internal sealed class NodeSelector
{
    private readonly IReadOnlyList<Uri> _nodes;
    private readonly long[] _unavailableUntil;
    private readonly TimeSpan _cooldown;
    private readonly TimeProvider _time;
    private int _next = -1;

    public NodeSelector(IReadOnlyList<Uri> nodes, TimeSpan cooldown, TimeProvider time)
    {
        _nodes = nodes;
        _unavailableUntil = new long[nodes.Count];
        _cooldown = cooldown;
        _time = time;
    }

    public int Count => _nodes.Count;

    public Uri this[int node] => _nodes[node];

    public bool IsCoolingDown(int node) => Volatile.Read(ref _unavailableUntil[node]) > Now;

    public int Pick()
    {
        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_nodes.Count);
        long now = Now;
        int soonest = start;
        for (int i = 0; i < _nodes.Count; i++)
        {
            int node = (start + i) % _nodes.Count;
            long until = Volatile.Read(ref _unavailableUntil[node]);
            if (until <= now)
                return node;
            if (until < Volatile.Read(ref _unavailableUntil[soonest]))
                soonest = node;
        }
        return soonest;
    }

    public void MarkFailed(int node) => Volatile.Write(ref _unavailableUntil[node], Now + (long)(_cooldown.TotalSeconds * _time.TimestampFrequency));

    public void MarkAlive(int node)
    {
        if (Volatile.Read(ref _unavailableUntil[node]) != 0)
            Volatile.Write(ref _unavailableUntil[node], 0);
    }

    private long Now => _time.GetTimestamp();
}
