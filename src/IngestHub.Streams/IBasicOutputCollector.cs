namespace IngestHub.Streams;

/// <summary>Emits of an <see cref="IBasicBolt"/>: always anchored to the tuple being executed.</summary>
public interface IBasicOutputCollector
{
    void Emit(Values values);

    void Emit(string streamId, Values values);

    void EmitDirect(int taskId, string streamId, Values values);

    void ReportError(Exception error);
}
