namespace IngestHub.Pipelines.Runtime;

/// <summary>What the runtime needs from a connector's definition.</summary>
public sealed record ConnectorSettings
{
    public required string Name { get; init; }
    /// <summary>Explicit topics; empty when <see cref="TopicsRegex"/> is used.</summary>
    public IReadOnlyList<string> Topics { get; init; } = [];
    public string? TopicsRegex { get; init; }
    public required string GroupId { get; init; }
    public int Workers { get; init; } = 1;
    public bool StartFromEarliest { get; init; } = true;
    public int BatchSize { get; init; } = 500;
    public int LingerMs { get; init; } = 50;
    /// <summary>errors.tolerance=all: bad records go to the dead-letter topic and the rest flow on; none: the
    /// connector stops as FAILED.</summary>
    public bool TolerateErrors { get; init; } = true;
    public required string DeadLetterTopic { get; init; }
    /// <summary>Cap of the retry backoff while the sink is unavailable.</summary>
    public int RetryBackoffMaxMs { get; init; } = 30_000;
    public int RetryBackoffInitialMs { get; init; } = 200;
    /// <summary>Consumer session timeout for the workers' group membership.</summary>
    public int SessionTimeoutMs { get; init; } = 10_000;
    /// <summary>Lag-driven scaling of the workers, or null when <see cref="Workers"/> is fixed.</summary>
    public Configuration.AutoscaleDefinition? Autoscale { get; init; }
}
