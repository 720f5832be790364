namespace IngestHub.Pipelines.Configuration;

/// <summary>Kafka Connect's <c>errors.tolerance</c>: <c>none</c> stops the pipeline on a bad record,
/// <c>all</c> sends it to the dead-letter topic and goes on.</summary>
public enum ErrorTolerance
{
    None,
    All,
}
