namespace IngestHub.Streams;

/// <summary>How a bolt emits and acknowledges. Emits anchored to inputs join their tuple trees.</summary>
public interface IOutputCollector
{
    /// <summary>Unanchored emit on the default stream (not replayed if downstream fails).</summary>
    void Emit(Values values);

    void Emit(StreamTuple anchor, Values values);

    void Emit(string streamId, StreamTuple? anchor, Values values);

    /// <summary>Anchored to several inputs (their trees all include the new tuple).</summary>
    void Emit(string streamId, IReadOnlyList<StreamTuple> anchors, Values values);

    void EmitDirect(int taskId, string streamId, StreamTuple? anchor, Values values);

    void EmitDirect(int taskId, string streamId, IReadOnlyList<StreamTuple> anchors, Values values);

    /// <summary>Emits a new tracked tuple tree rooted at this bolt: the bolt must implement
    /// <see cref="ITupleTracker"/> and gets Ack or Fail for <paramref name="messageId"/>, as a spout does.</summary>
    void EmitTracked(string streamId, Values values, object messageId);

    void Ack(StreamTuple input);

    void Fail(StreamTuple input);

    /// <summary>Restarts the message timeout of the input's trees (for tuples held a long time on purpose).</summary>
    void ResetTimeout(StreamTuple input);

    void ReportError(Exception error);
}
