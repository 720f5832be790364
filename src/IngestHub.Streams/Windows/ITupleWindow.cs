namespace IngestHub.Streams.Windows;

/// <summary>One evaluation of a window: its tuples, those new since the last evaluation, and those that left it.</summary>
public interface ITupleWindow
{
    IReadOnlyList<StreamTuple> Get();

    IReadOnlyList<StreamTuple> GetNew();

    IReadOnlyList<StreamTuple> GetExpired();

    /// <summary>Window start (epoch ms) for duration windows, null for count windows.</summary>
    long? StartTimestamp { get; }

    /// <summary>Window end (epoch ms, exclusive) for duration windows; the evaluation time for count windows.</summary>
    long EndTimestamp { get; }
}
