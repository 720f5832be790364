namespace IngestHub.Pipelines.Codecs;

/// <summary>How record values are decoded (<c>codec:</c> in a pipeline definition).</summary>
public enum CodecKind
{
    /// <summary>The whole value is one line in <c>message</c>.</summary>
    Plain,

    /// <summary>The value is one JSON object.</summary>
    Json,

    /// <summary>The value holds JSON objects, one per line.</summary>
    Ndjson,
}
