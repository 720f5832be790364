namespace IngestHub.Autoscaler;

/// <summary>Workers draining a spill topic with the target's own processing.</summary>
public interface ISpillPool
{
    int Workers { get; }

    /// <summary>RUNNING, FAILED, … as the target reports it, and the last error.</summary>
    string State { get; }

    string? LastError { get; }

    Task StartAsync(CancellationToken cancellationToken);

    Task SetWorkersAsync(int workers, CancellationToken cancellationToken);

    /// <summary>Takes over the target's pause state (a paused connector pauses its spill pool too).</summary>
    void FollowTarget();

    /// <summary>Finishes and commits the batches in hand, leaves the group, closes the sink.</summary>
    Task StopAsync();
}
