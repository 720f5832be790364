namespace IngestHub.Streams;

/// <summary>A bolt that emits its own tracked trees with <see cref="IOutputCollector.EmitTracked"/> (a windowed
/// aggregate emitting its results, for instance). Called on the bolt's thread.</summary>
public interface ITupleTracker
{
    void Ack(object messageId);

    void Fail(object messageId);
}
