using System.Diagnostics;
using IngestHub.Streams.Topology;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// Samples every component's counters, latency sums and executor busy time once a second into a one-minute ring,
/// from which the status computes per-second rates and recent latencies (last minute) and capacity (last 10 s).
/// </summary>
internal sealed class StatsSampler : IDisposable
{
    private const int Slots = 61;
    private readonly RunningTopology _topology;
    private readonly Dictionary<string, Sample[]> _rings = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private Timer? _timer;
    private int _next;
    private int _filled;

    public StatsSampler(RunningTopology topology) => _topology = topology;

    public void Start()
    {
        Take();
        _timer = new Timer(_ => Take(), null, 1000, 1000);
    }

    private void Take()
    {
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            foreach (var component in _topology.Components)
            {
                if (!_rings.TryGetValue(component.Id, out var ring))
                    _rings[component.Id] = ring = new Sample[Slots];
                ring[_next] = Capture(component, now);
            }
            _next = (_next + 1) % Slots;
            _filled = Math.Min(Slots, _filled + 1);
        }
    }

    private static Sample Capture(ComponentRuntime component, long now)
    {
        var s = new Sample { At = now };
        foreach (var task in component.Tasks)
        {
            var st = task.Stats;
            s.Emitted += st.Emitted;
            s.Acked += st.Acked;
            s.Failed += st.Failed;
            s.Executed += st.Executed;
            s.ExecuteSum += st.ExecuteLatency.SumSeconds;
            s.ExecuteCount += st.ExecuteLatency.Count;
            s.ProcessSum += st.ProcessLatency.SumSeconds;
            s.ProcessCount += st.ProcessLatency.Count;
            s.CompleteSum += st.CompleteLatency.SumSeconds;
            s.CompleteCount += st.CompleteLatency.Count;
        }
        var executors = component.Executors;
        s.Busy = new long[executors.Count];
        s.Executors = executors;
        for (int i = 0; i < executors.Count; i++)
            s.Busy[i] = executors[i].BusyTicks;
        return s;
    }

    public ComponentStatus Describe(ComponentRuntime component)
    {
        long now = Stopwatch.GetTimestamp();
        var current = Capture(component, now);
        Sample? minuteAgo = null;
        Sample? tenAgo = null;
        lock (_lock)
        {
            if (_rings.TryGetValue(component.Id, out var ring) && _filled > 0)
            {
                for (int back = 1; back <= _filled; back++)
                {
                    var s = ring[(_next - back + Slots) % Slots];
                    if (s is null)
                        continue;
                    double age = (now - s.At) / (double)Stopwatch.Frequency;
                    if (age <= 61)
                        minuteAgo = s;
                    if (age <= 11 && ReferenceEquals(s.Executors, current.Executors))
                        tenAgo = s;
                }
            }
        }
        double seconds = minuteAgo is null ? 0 : (now - minuteAgo.At) / (double)Stopwatch.Frequency;
        double Rate(Func<Sample, long> value) => seconds <= 0.5 ? 0 : (value(current) - value(minuteAgo!)) / seconds;
        double Mean(Func<Sample, double> sum, Func<Sample, long> count)
        {
            long c = count(current) - (minuteAgo is null ? 0 : count(minuteAgo));
            if (c <= 0)
            {
                // Nothing measured in the last minute: the all-time mean (or 0).
                return count(current) == 0 ? 0 : sum(current) / count(current) * 1000;
            }
            return (sum(current) - (minuteAgo is null ? 0 : sum(minuteAgo))) / c * 1000;
        }
        double capacity = 0;
        if (tenAgo is not null)
        {
            double span = now - tenAgo.At;
            for (int i = 0; i < current.Busy.Length && span > 0; i++)
                capacity = Math.Max(capacity, (current.Busy[i] - tenAgo.Busy[i]) / span);
        }

        int pending = 0;
        int queued = 0;
        long errors = 0;
        string? lastError = null;
        DateTimeOffset? lastErrorAt = null;
        var tasks = new List<TaskStatus>(component.Tasks.Length);
        var partitions = new List<SourcePartitionStatus>();
        var owner = new Dictionary<TaskRuntime, int>();
        for (int e = 0; e < component.Executors.Count; e++)
        {
            foreach (var t in component.Executors[e].Tasks)
                owner[t] = e;
        }
        foreach (var task in component.Tasks)
        {
            int taskPending = task switch
            {
                SpoutTask s => s.Pending,
                BoltTask b => b.TrackedPending,
                AckerTask a => a.Pending,
                _ => 0,
            };
            int taskQueued = (task.Data?.Count ?? 0) + task.Control.Count;
            pending += taskPending;
            queued += taskQueued;
            var st = task.Stats;
            errors += st.Errors;
            if (st.LastErrorAt is { } at && (lastErrorAt is null || at > lastErrorAt))
            {
                lastErrorAt = at;
                lastError = st.LastError;
            }
            tasks.Add(new TaskStatus(task.TaskId, owner.GetValueOrDefault(task, -1), st.Emitted, st.Acked, st.Failed, st.Executed, taskPending, taskQueued, st.LastError));
            if (task is SpoutTask { Spout: ISourceSpout source })
            {
                try
                {
                    partitions.AddRange(source.Partitions());
                }
                catch (InvalidOperationException)
                {
                    // Closing meanwhile.
                }
            }
        }
        string type = component.IsAcker ? "acker" : component.Definition!.ImplementationType.Name;
        var kind = component.Definition?.Kind ?? ComponentKind.Bolt;
        return new ComponentStatus(component.Id, kind, type, component.Executors.Count, component.Tasks.Length,
            current.Emitted, SumTransferred(component), current.Acked, current.Failed, current.Executed,
            Rate(s => s.Emitted), Rate(s => s.Acked), Rate(s => s.Failed), Rate(s => s.Executed),
            Mean(s => s.ExecuteSum, s => s.ExecuteCount), Mean(s => s.ProcessSum, s => s.ProcessCount), Mean(s => s.CompleteSum, s => s.CompleteCount),
            Math.Round(capacity, 3), pending, queued, errors, lastError, lastErrorAt, tasks, partitions);
    }

    private static long SumTransferred(ComponentRuntime component)
    {
        long n = 0;
        foreach (var task in component.Tasks)
            n += task.Stats.Transferred;
        return n;
    }

    public void Dispose() => _timer?.Dispose();

    private sealed class Sample
    {
        public long At;
        public long Emitted;
        public long Acked;
        public long Failed;
        public long Executed;
        public double ExecuteSum;
        public long ExecuteCount;
        public double ProcessSum;
        public long ProcessCount;
        public double CompleteSum;
        public long CompleteCount;
        public long[] Busy = [];
        public List<Executor> Executors = [];
    }
}
