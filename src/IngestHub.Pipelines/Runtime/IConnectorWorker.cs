namespace IngestHub.Pipelines.Runtime;

/// <summary>One group member of a connector, processing (<see cref="ConnectorWorker"/>) or relaying (<see cref="RelayWorker"/>).</summary>
internal interface IConnectorWorker : IDisposable
{
    int Id { get; }

    WorkerStatus Status();

    /// <summary>Runs until <paramref name="stop"/> (finish and commit the batch in hand) or <paramref name="abort"/>.</summary>
    Task RunAsync(IReadOnlyList<string> topics, CancellationToken stop, CancellationToken abort);
}
