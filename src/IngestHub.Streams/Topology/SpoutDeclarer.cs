namespace IngestHub.Streams.Topology;

/// <summary>Returned by <see cref="TopologyBuilder.SetSpout(string, ISpout, int)"/>.</summary>
public sealed class SpoutDeclarer : ComponentDeclarer<SpoutDeclarer>
{
    internal SpoutDeclarer(string id, int parallelism) : base(id, parallelism)
    {
    }

    /// <summary>Per-task limit of pending tuples for this spout (overrides the topology's).</summary>
    public SpoutDeclarer SetMaxSpoutPending(int pending) => AddConfiguration(TopologyConfig.MaxSpoutPendingKey, pending);
}
