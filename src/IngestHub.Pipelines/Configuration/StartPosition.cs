namespace IngestHub.Pipelines.Configuration;

/// <summary>Where a new consumer group starts (<c>input.start</c>, Kafka's auto.offset.reset).</summary>
public enum StartPosition
{
    Earliest,
    Latest,
}
