namespace IngestHub.Server.Security;

/// <summary>One bearer token from <c>http:Auth:Tokens</c>; <see cref="Token"/> may be a <c>${VAR}</c> reference.</summary>
public sealed class HttpAuthToken
{
    /// <summary>The principal name the token authenticates as (shown in logs, never the token).</summary>
    public string? Name { get; set; }
    public string? Token { get; set; }
    public string Role { get; set; } = HttpRoles.Viewer;
}
