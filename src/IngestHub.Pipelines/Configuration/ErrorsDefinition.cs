namespace IngestHub.Pipelines.Configuration;

/// <summary>The <c>errors:</c> section, named as in Kafka Connect.</summary>
public sealed record ErrorsDefinition(ErrorTolerance Tolerance, string DeadLetterTopic);
