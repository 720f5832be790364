using IngestHub.Streams.Topology;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// An emitting task's view of its component's streams, with its own shuffle state (Storm's shuffle grouping:
/// walk a shuffled list of the target tasks, reshuffle after each pass, so tasks get equal numbers of tuples).
/// </summary>
internal sealed class TaskRoutes
{
    private readonly Dictionary<string, Entry> _streams;
    private readonly string _componentId;
    private Entry? _last;

    public TaskRoutes(string componentId, IReadOnlyDictionary<string, StreamRoute> routes)
    {
        _componentId = componentId;
        _streams = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (id, route) in routes)
            _streams[id] = new Entry(route);
    }

    public Entry Get(string streamId)
    {
        var last = _last;
        if (last is not null && ReferenceEquals(last.Route.Schema.StreamId, streamId))
            return last;
        if (!_streams.TryGetValue(streamId, out var entry))
            throw new InvalidOperationException($"{_componentId} emits on stream '{streamId}', which it did not declare (declared: {string.Join(", ", _streams.Keys)})");
        _last = entry;
        return entry;
    }

    internal sealed class Entry
    {
        private readonly int[][] _shuffled;
        private readonly int[] _positions;

        public Entry(StreamRoute route)
        {
            Route = route;
            _shuffled = new int[route.Subscriptions.Length][];
            _positions = new int[route.Subscriptions.Length];
            for (int i = 0; i < _shuffled.Length; i++)
            {
                _shuffled[i] = (int[])route.Subscriptions[i].Tasks.Clone();
                Random.Shared.Shuffle(_shuffled[i]);
            }
        }

        public StreamRoute Route { get; }

        /// <summary>Adds the target tasks of a regular emit to <paramref name="targets"/>.</summary>
        public void Choose(object?[] values, List<int> targets)
        {
            var subs = Route.Subscriptions;
            for (int i = 0; i < subs.Length; i++)
            {
                var sub = subs[i];
                switch (sub.Kind)
                {
                    case GroupingKind.Fields:
                        targets.Add(sub.FieldsTask(values));
                        break;
                    case GroupingKind.All:
                        targets.AddRange(sub.Tasks);
                        break;
                    case GroupingKind.Global:
                        targets.Add(sub.Tasks[0]);
                        break;
                    default:
                        targets.Add(NextShuffled(i));
                        break;
                }
            }
        }

        /// <summary>Adds <paramref name="task"/> once per direct subscription that owns it; throws when none does.</summary>
        public void ChooseDirect(int task, List<int> targets)
        {
            int before = targets.Count;
            foreach (var sub in Route.Subscriptions)
            {
                if (Array.BinarySearch(sub.Tasks, task) >= 0)
                    targets.Add(task);
            }
            if (targets.Count == before && Route.Subscriptions.Length > 0)
                throw new InvalidOperationException($"EmitDirect to task {task}, which does not subscribe to {Route.Schema}");
        }

        private int NextShuffled(int subscription)
        {
            var order = _shuffled[subscription];
            int pos = _positions[subscription];
            if (pos == order.Length)
            {
                Random.Shared.Shuffle(order);
                pos = 0;
            }
            _positions[subscription] = pos + 1;
            return order[pos];
        }
    }
}
