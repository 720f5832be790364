using System.Text.RegularExpressions;
using IngestHub.Streams.Runtime;
using IngestHub.Streams.Windows;

namespace IngestHub.Streams.Topology;

/// <summary>
/// Builds a topology the way Storm's TopologyBuilder does: <c>SetSpout(id, spout, parallelism)</c>,
/// <c>SetBolt(id, bolt, parallelism).ShuffleGrouping("spout")</c>, then <see cref="CreateTopology"/>. A component
/// with more than one task needs a factory (<c>() => new MyBolt()</c>) so that every task gets its own instance.
/// </summary>
public sealed partial class TopologyBuilder
{
    private readonly List<Entry> _entries = [];

    public SpoutDeclarer SetSpout(string id, ISpout spout, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(spout);
        return AddSpout(id, Once(id, spout), parallelism, single: true);
    }

    public SpoutDeclarer SetSpout(string id, Func<ISpout> factory, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return AddSpout(id, () => factory(), parallelism, single: false);
    }

    public BoltDeclarer SetBolt(string id, IBolt bolt, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(bolt);
        return AddBolt(id, Once(id, bolt), parallelism, single: true);
    }

    public BoltDeclarer SetBolt(string id, Func<IBolt> factory, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return AddBolt(id, () => factory(), parallelism, single: false);
    }

    public BoltDeclarer SetBolt(string id, IBasicBolt bolt, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(bolt);
        return AddBolt(id, Once(id, new BasicBoltExecutor(bolt)), parallelism, single: true);
    }

    public BoltDeclarer SetBolt(string id, Func<IBasicBolt> factory, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return AddBolt(id, () => new BasicBoltExecutor(factory()), parallelism, single: false);
    }

    public BoltDeclarer SetBolt(string id, IWindowedBolt bolt, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(bolt);
        return AddBolt(id, Once(id, new WindowedBoltExecutor(bolt)), parallelism, single: true);
    }

    public BoltDeclarer SetBolt(string id, Func<IWindowedBolt> factory, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return AddBolt(id, () => new WindowedBoltExecutor(factory()), parallelism, single: false);
    }

    /// <summary>Validates the wiring (inputs exist, streams and grouping fields are declared, no cycles) and
    /// returns the topology; throws <see cref="InvalidTopologyException"/> saying what is wrong.</summary>
    public TopologyDefinition CreateTopology(string name = "topology")
    {
        var components = new List<ComponentDefinition>(_entries.Count);
        foreach (var entry in _entries)
        {
            int tasks = entry.NumTasks();
            if (entry.Single && tasks > 1)
                throw new InvalidTopologyException($"{entry.Id}: has {tasks} tasks but was given one instance; pass a factory (() => new ...) so every task gets its own");
            components.Add(new ComponentDefinition(entry.Id, entry.Kind, entry.Factory, Math.Min(entry.Parallelism, tasks), tasks,
                entry.Inputs(), entry.Configuration()));
        }
        return TopologyDefinition.Create(name, components);
    }

    private SpoutDeclarer AddSpout(string id, Func<IComponent> factory, int parallelism, bool single)
    {
        CheckId(id, parallelism);
        var declarer = new SpoutDeclarer(id, parallelism);
        _entries.Add(new Entry(id, ComponentKind.Spout, factory, parallelism, single, () => declarer.NumTasks, () => [],
            () => declarer.Configuration));
        return declarer;
    }

    private BoltDeclarer AddBolt(string id, Func<IComponent> factory, int parallelism, bool single)
    {
        CheckId(id, parallelism);
        var declarer = new BoltDeclarer(id, parallelism);
        _entries.Add(new Entry(id, ComponentKind.Bolt, factory, parallelism, single, () => declarer.NumTasks, () => [.. declarer.Inputs],
            () => declarer.Configuration));
        return declarer;
    }

    private void CheckId(string id, int parallelism)
    {
        if (string.IsNullOrEmpty(id) || !IdPattern().IsMatch(id))
            throw new InvalidTopologyException($"component id '{id}' may contain only letters, digits, '.', '_' and '-'");
        if (id.StartsWith("__", StringComparison.Ordinal))
            throw new InvalidTopologyException($"component id '{id}': ids starting with __ are reserved");
        if (_entries.Exists(e => e.Id == id))
            throw new InvalidTopologyException($"component id '{id}' is used twice");
        if (parallelism < 1)
            throw new InvalidTopologyException($"{id}: parallelism must be at least 1, got {parallelism}");
    }

    private static Func<IComponent> Once(string id, IComponent instance)
    {
        int used = 0;
        return () => Interlocked.Exchange(ref used, 1) == 0
            ? instance
            : throw new InvalidTopologyException($"{id}: the instance given to the builder was used already; pass a factory (() => new ...) to run it more than once");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    internal static partial Regex IdPattern();

    private sealed record Entry(string Id, ComponentKind Kind, Func<IComponent> Factory, int Parallelism, bool Single,
        Func<int> NumTasks, Func<IReadOnlyList<InputDeclaration>> Inputs, Func<IReadOnlyDictionary<string, object?>> Configuration);
}
