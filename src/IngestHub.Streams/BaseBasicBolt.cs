namespace IngestHub.Streams;

/// <summary>A basic bolt with no-op <see cref="Prepare"/> and <see cref="Cleanup"/>.</summary>
public abstract class BaseBasicBolt : IBasicBolt
{
    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    public virtual void Prepare(TopologyContext context)
    {
    }

    public abstract void Execute(StreamTuple input, IBasicOutputCollector collector);

    public virtual void Cleanup()
    {
    }

    public virtual IReadOnlyDictionary<string, object?>? GetComponentConfiguration() => null;
}
