namespace IngestHub.Streams;

/// <summary>A bolt that buffers inputs (a sink writing batches): <see cref="FlushBatch"/> is called on its thread
/// whenever its input queue has been drained, so a batch never waits for more input that is not coming.</summary>
public interface IBatchingBolt
{
    void FlushBatch();
}
