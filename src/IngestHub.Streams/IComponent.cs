namespace IngestHub.Streams;

/// <summary>What every spout and bolt declares: its output streams and, optionally, component-specific configuration
/// (for instance <see cref="TopologyConfig.TickTupleFrequencySecs"/>).</summary>
public interface IComponent
{
    void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    IReadOnlyDictionary<string, object?>? GetComponentConfiguration() => null;
}
