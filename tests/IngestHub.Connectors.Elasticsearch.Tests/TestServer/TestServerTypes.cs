using System.Text.Json.Nodes;

namespace IngestHub.Connectors.Elasticsearch.Tests.TestServer;

/// <summary>One bulk item as the test server saw it (source is null for delete).</summary>
public sealed record BulkItem(string Action, string Index, string? Id, JsonObject? Source);

/// <summary>One <c>_bulk</c> request as received: path, whether its body was gzip, its Authorization header,
/// its (decoded) body size and its items in order.</summary>
public sealed record BulkRequestRecord(string Path, bool Gzip, string? Authorization, int BodyBytes, IReadOnlyList<BulkItem> Items);

/// <summary>What the test server does to a whole request instead of answering it normally.</summary>
public enum RequestFaultKind
{
    /// <summary>Answer 503 with an ES-shaped error body.</summary>
    Unavailable,

    /// <summary>Answer 429 (es_rejected_execution_exception) for the whole request.</summary>
    TooManyRequests,

    /// <summary>Abort the connection without an answer.</summary>
    Drop,

    /// <summary>Wait <c>Delay</c>, then answer normally.</summary>
    Delay,
}

/// <summary>A node that the test server's <c>_nodes/http</c> lists: its HTTP address and roles
/// (<c>master</c>, <c>data</c>, <c>ingest</c>).</summary>
public sealed record ClusterNode(Uri Url, IReadOnlyList<string> Roles);
