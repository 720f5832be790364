using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Codecs;

/// <summary>A record (or, for ndjson, one line of it: <see cref="Line"/> is 1-based) that could not be decoded.
/// The runtime sends it to the dead-letter topic with <see cref="Reason"/> as a header, or stops when errors
/// are not tolerated.</summary>
public readonly record struct DecodeFailure(SourcePosition Source, string Reason, int Line = 0);
