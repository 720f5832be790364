namespace IngestHub.Streams;

/// <summary>How a spout emits. A tuple emitted with a message id is tracked: the spout gets Ack or Fail for it.</summary>
public interface ISpoutOutputCollector
{
    void Emit(Values values, object? messageId = null);

    void Emit(string streamId, Values values, object? messageId = null);

    /// <summary>Emits with the tuple's lineage (see <see cref="TupleSource"/>).</summary>
    void Emit(string streamId, Values values, object? messageId, TupleSource? source);

    /// <summary>Emits on a direct stream to one task of a subscriber.</summary>
    void EmitDirect(int taskId, string streamId, Values values, object? messageId = null);

    /// <summary>Shows the error on the component's status and logs it at Warning.</summary>
    void ReportError(Exception error);

    /// <summary>Tuples of this task emitted and not yet acked or failed.</summary>
    int Pending { get; }
}
