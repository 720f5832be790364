using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>A named capture of a compiled grok expression: regex group, target field and conversion.</summary>
public readonly record struct GrokCapture(string GroupName, FieldReference Field, GrokValueType Type);
