namespace IngestHub.Server.Security;

/// <summary>The HTTP roles: <c>viewer</c> reads (GET APIs, dashboard, /metrics); <c>admin</c> also changes
/// connectors, topologies, the autoscaler, topics and ingests records.</summary>
public static class HttpRoles
{
    public const string Viewer = "viewer";
    public const string Admin = "admin";

    /// <summary>The role named in configuration, or null when it is neither.</summary>
    public static string? Parse(string? role) => role?.Trim().ToLowerInvariant() switch
    {
        Viewer => Viewer,
        Admin => Admin,
        _ => null,
    };
}
