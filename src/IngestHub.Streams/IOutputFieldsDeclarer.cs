namespace IngestHub.Streams;

/// <summary>Declares a component's output streams and their fields.</summary>
public interface IOutputFieldsDeclarer
{
    /// <summary>Declares the default stream.</summary>
    void Declare(Fields fields);

    /// <summary>Declares the default stream, direct or not.</summary>
    void Declare(bool direct, Fields fields);

    void DeclareStream(string streamId, Fields fields);

    void DeclareStream(string streamId, bool direct, Fields fields);
}
