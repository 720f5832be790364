namespace IngestHub.Streams;

/// <summary>
/// A bolt whose emits are anchored to the input and whose input is acked when <see cref="Execute"/> returns.
/// Throw <see cref="FailedException"/> to fail the input instead (it is replayed from the spout).
/// </summary>
public interface IBasicBolt : IComponent
{
    void Prepare(TopologyContext context);

    void Execute(StreamTuple input, IBasicOutputCollector collector);

    void Cleanup();
}
