namespace IngestHub.Pipelines.Configuration;

/// <summary>The <c>input:</c> section: topics (or a topic regex) read by one consumer group.</summary>
public sealed record InputDefinition(
    IReadOnlyList<string> Topics,
    string? TopicsRegex,
    string GroupId,
    int Workers,
    StartPosition Start,
    int MaxPollRecords);
