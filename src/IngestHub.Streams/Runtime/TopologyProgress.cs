using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Client;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// The commit holds of one running topology and the file their progress is kept in
/// (<c>&lt;state dir&gt;/progress.json</c>, replaced atomically: temp file, fsync, rename). Spouts call
/// <see cref="PrepareCommit"/> before committing: it persists progress first, then returns the holds the commit
/// must respect, both from one set of snapshots so they agree.
/// </summary>
internal sealed class TopologyProgress
{
    private const string FileName = "progress.json";
    private readonly object _lock = new();
    private readonly List<CommitHold> _holds = [];
    private readonly Dictionary<string, long> _persisted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Tasks, long Progress)> _restored = new(StringComparer.Ordinal);
    private readonly string? _directory;
    private readonly ILogger _logger;

    public TopologyProgress(string? directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
        if (directory is not null)
            Load(Path.Combine(directory, FileName));
    }

    public CommitHold Register(string componentId, int taskIndex, int taskCount)
    {
        string key = Key(componentId, taskIndex);
        long? restored = null;
        lock (_lock)
        {
            if (_restored.TryGetValue(key, out var saved))
            {
                if (saved.Tasks == taskCount)
                    restored = saved.Progress;
                else
                    _logger.LogWarning("Progress of {Component} task {Index} was saved with {Saved} tasks, the component now has {Tasks}: it is not restored, so windows delivered before the restart may be delivered again from a partial replay",
                        componentId, taskIndex, saved.Tasks, taskCount);
            }
            var hold = new CommitHold(componentId, taskIndex, taskCount, restored);
            _holds.Add(hold);
            if (restored is { } r)
                _persisted[key] = r;
            return hold;
        }
    }

    public bool HasHolds
    {
        get
        {
            lock (_lock)
                return _holds.Count > 0;
        }
    }

    /// <summary>Persists the progress of every hold (when it changed) and returns the lowest held offset per
    /// partition from the same snapshots. Throws <see cref="IOException"/> when the file cannot be written (the
    /// caller must not commit then).</summary>
    public IReadOnlyDictionary<TopicPartition, long> PrepareCommit()
    {
        lock (_lock)
        {
            var lowest = new Dictionary<TopicPartition, long>();
            bool changed = false;
            var snapshots = new List<(CommitHold Hold, CommitHold.Snapshot Snapshot)>(_holds.Count);
            foreach (var hold in _holds)
            {
                var s = hold.Current;
                snapshots.Add((hold, s));
                foreach (var (tp, offset) in s.LowestHeld)
                    lowest[tp] = lowest.TryGetValue(tp, out long known) ? Math.Min(known, offset) : offset;
                string key = Key(hold.ComponentId, hold.TaskIndex);
                if (s.Progress != long.MinValue && (!_persisted.TryGetValue(key, out long saved) || saved < s.Progress))
                    changed = true;
            }
            if (changed && _directory is not null)
            {
                var next = new Dictionary<string, long>(_persisted, StringComparer.Ordinal);
                foreach (var (hold, s) in snapshots)
                {
                    string key = Key(hold.ComponentId, hold.TaskIndex);
                    if (s.Progress != long.MinValue && (!next.TryGetValue(key, out long saved) || saved < s.Progress))
                        next[key] = s.Progress;
                }
                Write(next, snapshots);
                foreach (var (key, value) in next)
                    _persisted[key] = value;
            }
            return lowest;
        }
    }

    private void Write(Dictionary<string, long> progress, List<(CommitHold Hold, CommitHold.Snapshot Snapshot)> snapshots)
    {
        var tasks = new JsonObject();
        foreach (var (key, value) in progress.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            int count = snapshots.FirstOrDefault(s => Key(s.Hold.ComponentId, s.Hold.TaskIndex) == key).Hold?.TaskCount
                ?? _restored.GetValueOrDefault(key).Tasks;
            tasks[key] = new JsonObject { ["tasks"] = count, ["progress"] = value };
        }
        var root = new JsonObject { ["version"] = 1, ["tasks"] = tasks };
        Directory.CreateDirectory(_directory!);
        IngestHub.Storage.AtomicFile.WriteAllText(Path.Combine(_directory!, FileName), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private void Load(string path)
    {
        if (!File.Exists(path))
            return;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            if (root?["tasks"] is not JsonObject tasks)
                return;
            foreach (var (key, node) in tasks)
            {
                if (node is JsonObject entry && entry["tasks"] is JsonValue t && entry["progress"] is JsonValue p)
                    _restored[key] = (t.GetValue<int>(), p.GetValue<long>());
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or InvalidOperationException or FormatException)
        {
            _logger.LogWarning("Progress file {Path} could not be read ({Error}); stateful bolts start without restored progress", path, ex.Message);
        }
    }

    private static string Key(string componentId, int taskIndex) => componentId + "/" + taskIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
