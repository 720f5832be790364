namespace IngestHub.Streams.Windows;

/// <summary>
/// A bolt that processes windows of tuples (Storm's IWindowedBolt). The tuples of a window are acked when they
/// leave the last window containing them; what Execute emits is anchored to every tuple of the window.
/// </summary>
public interface IWindowedBolt : IComponent
{
    WindowConfiguration Window { get; }

    void Prepare(TopologyContext context, IOutputCollector collector);

    void Execute(ITupleWindow window);

    void Cleanup();
}
