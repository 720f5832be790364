namespace IngestHub.Streams;

/// <summary>
/// Processes tuples. Every method of one bolt task is called on one executor thread. Each input must be acked or
/// failed through the collector (<see cref="IBasicBolt"/> does that for you); emit anchored to the input to keep
/// the tuple tree reliable.
/// </summary>
public interface IBolt : IComponent
{
    void Prepare(TopologyContext context, IOutputCollector collector);

    void Execute(StreamTuple input);

    void Cleanup();
}
