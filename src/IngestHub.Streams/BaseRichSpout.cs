namespace IngestHub.Streams;

/// <summary>A spout with no-op defaults for everything but <see cref="NextTuple"/> and the declaration.</summary>
public abstract class BaseRichSpout : ISpout
{
    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    public abstract void Open(TopologyContext context, ISpoutOutputCollector collector);

    public abstract void NextTuple();

    public virtual void Ack(object messageId)
    {
    }

    public virtual void Fail(object messageId)
    {
    }

    public virtual void Activate()
    {
    }

    public virtual void Deactivate()
    {
    }

    public virtual void Close()
    {
    }

    public virtual IReadOnlyDictionary<string, object?>? GetComponentConfiguration() => null;
}
