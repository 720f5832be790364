using IngestHub.Pipelines.Runtime;

namespace IngestHub.Autoscaler;

/// <summary>A connector's spill pool: a connector running the same pipeline on the spill topics.</summary>
internal sealed class ConnectorSpillPool(Connector source, Connector pool) : ISpillPool
{
    public void FollowTarget()
    {
        if (source.IsPaused && !pool.IsPaused)
            pool.Pause();
        else if (!source.IsPaused && pool.IsPaused)
            pool.Resume();
    }

    public int Workers => pool.WorkerCount;

    public string State => pool.State.ToString().ToUpperInvariant();

    public string? LastError => pool.Status().LastError;

    public Task StartAsync(CancellationToken cancellationToken) => pool.StartAsync(cancellationToken);

    public Task SetWorkersAsync(int workers, CancellationToken cancellationToken) => pool.SetWorkerCountAsync(Math.Max(1, workers), cancellationToken);

    public Task StopAsync() => pool.StopAsync(TimeSpan.FromSeconds(30));
}
