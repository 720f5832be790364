namespace IngestHub.Server.Security;

/// <summary>The <c>http:Auth</c> section. Authentication is on when the HTTP API binds beyond loopback, or when
/// <see cref="Required"/> is true.</summary>
public sealed class HttpAuthOptions
{
    public bool Required { get; set; }
    public List<HttpAuthToken> Tokens { get; set; } = [];
    public List<HttpAuthUser> Users { get; set; } = [];
}
