namespace IngestHub.Streams;

/// <summary>
/// A source of tuples. Every method of one spout task is called on one executor thread, never concurrently.
/// <see cref="NextTuple"/> must not block: emit what is ready (or nothing) and return. A reliable spout passes a
/// message id with each emit and gets <see cref="Ack"/> when the tuple's whole tree was processed, or
/// <see cref="Fail"/> when it failed or timed out (replaying is the spout's job).
/// </summary>
public interface ISpout : IComponent
{
    void Open(TopologyContext context, ISpoutOutputCollector collector);

    void NextTuple();

    void Ack(object messageId);

    void Fail(object messageId);

    /// <summary>Called when the topology is resumed (and after Open when it starts active).</summary>
    void Activate()
    {
    }

    /// <summary>Called when the topology is paused; <see cref="NextTuple"/> is not called while inactive.</summary>
    void Deactivate()
    {
    }

    void Close();
}
