namespace IngestHub.Server.Security;

/// <summary>One basic-auth user from <c>http:Auth:Users</c>; <see cref="Password"/> may be a <c>${VAR}</c> reference.</summary>
public sealed class HttpAuthUser
{
    public string? Name { get; set; }
    public string? Password { get; set; }
    public string Role { get; set; } = HttpRoles.Viewer;
}
