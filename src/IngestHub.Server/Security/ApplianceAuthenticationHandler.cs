using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IngestHub.Server.Security;

/// <summary>
/// Authenticates a request from its Authorization header only (<c>Bearer</c> token or <c>Basic</c> user and
/// password); there is no cookie, so a browser never sends credentials on its own and cross-site requests carry
/// none. Failed attempts are logged at Warning with the peer address and the user name, never the secret.
/// Challenges and refusals answer JSON errors.
/// </summary>
public sealed class ApplianceAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    HttpCredentialStore credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "IngestHub";

    /// <summary>Requests sent by the dashboard carry this header; their 401 omits the Basic challenge so the
    /// browser shows the dashboard's own sign-in form rather than its native dialog.</summary>
    public const string DashboardHeader = "X-IngestHub-Dashboard";

    private readonly ILogger _log = loggerFactory.CreateLogger("IngestHub.Server.Security");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
            return Task.FromResult(AuthenticateResult.NoResult());
        int space = header.IndexOf(' ');
        string scheme = space < 0 ? header : header[..space];
        string value = space < 0 ? "" : header[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            var found = credentials.CheckToken(value);
            if (found is null)
                return Fail("bearer token", null, "unknown token");
            return Success(found.Value.Name, found.Value.Role);
        }
        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            }
            catch (FormatException)
            {
                return Fail("basic", null, "malformed credentials");
            }
            int colon = decoded.IndexOf(':');
            if (colon < 0)
                return Fail("basic", null, "malformed credentials");
            string user = decoded[..colon];
            string? role = credentials.CheckPassword(user, decoded[(colon + 1)..]);
            if (role is null)
                return Fail("basic", user, "wrong user name or password");
            return Success(user, role);
        }
        return Fail(scheme, null, "unsupported authorization scheme");
    }

    private Task<AuthenticateResult> Success(string name, string role)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private Task<AuthenticateResult> Fail(string method, string? user, string reason)
    {
        _log.LogWarning("HTTP authentication failed from {Peer} for {Method} {Path}: {Reason} ({Scheme}{User})",
            Context.Connection.RemoteIpAddress, Request.Method, Request.Path.Value, reason, method, user is null ? "" : $", user {user}");
        return Task.FromResult(AuthenticateResult.Fail(reason));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = Request.Headers.ContainsKey(DashboardHeader)
            ? "Bearer realm=\"ingesthub\""
            : "Bearer realm=\"ingesthub\", Basic realm=\"ingesthub\", charset=\"UTF-8\"";
        await Response.WriteAsJsonAsync(new JsonObject { ["error_code"] = 401, ["message"] = "authentication required: send an Authorization header (Bearer token or Basic user and password)" });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new JsonObject { ["error_code"] = 403, ["message"] = $"{Context.User.Identity?.Name} may not {Request.Method} {Request.Path.Value}: this needs the admin role" });
    }
}
