namespace IngestHub.Streams;

/// <summary>A running topology as Storm UI's topology page shows it.</summary>
public sealed record TopologyStatus(
    string Name,
    TopologyState State,
    DateTimeOffset StartedAt,
    TimeSpan Uptime,
    string? Error,
    int MessageTimeoutSecs,
    int? MaxSpoutPending,
    int Ackers,
    string DeadLetterTopic,
    long DeadLettered,
    IReadOnlyList<ComponentStatus> Spouts,
    IReadOnlyList<ComponentStatus> Bolts,
    ComponentStatus? Acker);
