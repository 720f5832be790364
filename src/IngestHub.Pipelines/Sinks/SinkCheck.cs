namespace IngestHub.Pipelines.Sinks;

/// <summary>One result of a connection test (<c>POST /connectors/{name}/test</c>): what was checked, whether it
/// passed, and what was found (a version, a latency, or the reason it failed).</summary>
public sealed record SinkCheck(string Check, bool Ok, string Message);
