using IngestHub.Client;

namespace IngestHub.Pipelines.Runtime;

/// <summary>A record that goes to the dead-letter topic, with why and where it failed.</summary>
public sealed record DeadLetter(ConsumeResult Record, string Stage, string ErrorType, string Reason);
