using System.Net;
using IngestHub.Broker.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Security;

/// <summary>
/// The HTTP listener's security: the URL it binds (HTTPS when <c>http:Ssl:CertificateFile</c> is set, with the
/// same PEM loader and reloading as the broker), and authentication (<c>http:Auth</c>), which is on when the
/// host is not a loopback address or <c>http:Auth:Required</c> is true; then startup refuses to run without a
/// configured user or token.
/// </summary>
public static class HttpSecurityExtensions
{

    public static void AddIngestHubHttpSecurity(this WebApplicationBuilder builder)
    {
        string host = builder.Configuration["http:Host"] ?? "127.0.0.1";
        int port = builder.Configuration.GetValue("http:Port", 8080);
        var tls = new TlsOptions();
        builder.Configuration.GetSection("http:Ssl").Bind(tls);
        bool https = !string.IsNullOrWhiteSpace(tls.CertificateFile);
        builder.WebHost.UseUrls($"{(https ? "https" : "http")}://{host}:{port}");
        if (https)
        {
            if (string.IsNullOrWhiteSpace(tls.KeyFile))
                throw new InvalidOperationException("http:Ssl:CertificateFile needs http:Ssl:KeyFile");
            builder.Services.AddSingleton(sp => new TlsCertificateSource(tls, sp.GetRequiredService<ILoggerFactory>().CreateLogger("IngestHub.Server.Https")));
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(options =>
            {
                var source = kestrel.ApplicationServices.GetRequiredService<TlsCertificateSource>();
                options.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
                options.ServerCertificateSelector = (_, _) => source.Certificate;
            }));
        }

        var auth = new HttpAuthOptions();
        builder.Configuration.GetSection("http:Auth").Bind(auth);
        bool beyondLoopback = !IsLoopback(host);
        if (!beyondLoopback && !auth.Required)
            return;
        var credentials = new HttpCredentialStore(auth);
        if (credentials.IsEmpty)
        {
            throw new InvalidOperationException(beyondLoopback
                ? $"http:Host {host} is reachable beyond this machine, so the HTTP API needs authentication: configure http:Auth:Tokens or http:Auth:Users (with role viewer or admin), or bind http:Host to 127.0.0.1"
                : "http:Auth:Required is true but no http:Auth:Tokens or http:Auth:Users are configured");
        }
        builder.Services.AddSingleton(credentials);
        builder.Services.AddAuthentication(ApplianceAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApplianceAuthenticationHandler>(ApplianceAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ApplianceAuthenticationHandler.SchemeName).AddRequirements(new MethodRoleRequirement()).Build());
        builder.Services.AddSingleton<IAuthorizationHandler, MethodRoleRequirement>();
    }

    /// <summary>Adds authentication and authorization to the pipeline when they are on; call after the
    /// dashboard's static files so those load without credentials.</summary>
    public static void UseIngestHubHttpSecurity(this WebApplication app)
    {
        if (app.Services.GetService<HttpCredentialStore>() is null)
            return;
        app.UseAuthentication();
        app.UseAuthorization();
    }

    private static bool IsLoopback(string host)
    {
        string h = host.Trim().TrimStart('[').TrimEnd(']');
        return h.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(h, out var ip) && IPAddress.IsLoopback(ip));
    }
}
