namespace IngestHub.Streams.Topology;

/// <summary>Settings every component declaration takes: task count and component configuration.</summary>
public abstract class ComponentDeclarer<TSelf> where TSelf : ComponentDeclarer<TSelf>
{
    internal ComponentDeclarer(string id, int parallelism)
    {
        Id = id;
        Parallelism = parallelism;
        NumTasks = parallelism;
    }

    public string Id { get; }

    internal int Parallelism { get; }

    internal int NumTasks { get; private set; }

    internal Dictionary<string, object?> Configuration { get; } = new(StringComparer.Ordinal);

    /// <summary>Tasks for the topology's life (default: the parallelism). Executors can later be rebalanced
    /// between 1 and this number without moving keys of a fields grouping.</summary>
    public TSelf SetNumTasks(int tasks)
    {
        if (tasks < 1)
            throw new ArgumentOutOfRangeException(nameof(tasks), tasks, $"{Id}: the task count must be at least 1");
        NumTasks = tasks;
        return (TSelf)this;
    }

    /// <summary>Component configuration (e.g. <see cref="TopologyConfig.TickTupleFrequencySecs"/>).</summary>
    public TSelf AddConfiguration(string key, object? value)
    {
        Configuration[key] = value;
        return (TSelf)this;
    }

    /// <summary>Sends this component a tick tuple (<c>__tick</c> from <c>__system</c>) every
    /// <paramref name="seconds"/> seconds.</summary>
    public TSelf SetTickFrequency(int seconds) => AddConfiguration(TopologyConfig.TickTupleFrequencySecs, seconds);
}
