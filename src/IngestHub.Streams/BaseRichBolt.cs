namespace IngestHub.Streams;

/// <summary>A bolt with a no-op <see cref="Cleanup"/>.</summary>
public abstract class BaseRichBolt : IBolt
{
    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    public abstract void Prepare(TopologyContext context, IOutputCollector collector);

    public abstract void Execute(StreamTuple input);

    public virtual void Cleanup()
    {
    }

    public virtual IReadOnlyDictionary<string, object?>? GetComponentConfiguration() => null;
}
