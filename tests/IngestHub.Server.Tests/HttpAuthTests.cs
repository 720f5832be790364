using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngestHub.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit;

namespace IngestHub.Server.Tests;

/// <summary>
/// The HTTP API with authentication on (loopback with <c>http:Auth:Required=true</c>, and over HTTPS with the
/// test CA's certificate): every role against real read and change endpoints, bearer and basic, a wrong password
/// logged without the secret, the refusal to bind beyond loopback without credentials, and the dashboard's
/// sign-in form in Chromium.
/// </summary>
public sealed class HttpAuthTests
{
    private const string ViewerToken = "viewer-token-0123456789abcdef";
    private const string AdminToken = "admin-token-0123456789abcdef";
    private const string AdminPassword = "s3cret-Admin-pw";
    private const string ViewerPassword = "viewer-pw-42";

    private static readonly string PasswordVariable = "INGESTHUB_TEST_HTTP_PW_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    private static string[] AuthArgs() =>
    [
        "--http:Auth:Required=true",
        "--http:Auth:Tokens:0:Name=dash", $"--http:Auth:Tokens:0:Token={ViewerToken}", "--http:Auth:Tokens:0:Role=viewer",
        "--http:Auth:Tokens:1:Name=ops", $"--http:Auth:Tokens:1:Token={AdminToken}", "--http:Auth:Tokens:1:Role=admin",
        "--http:Auth:Users:0:Name=alice", $"--http:Auth:Users:0:Password=${{{PasswordVariable}}}", "--http:Auth:Users:0:Role=admin",
        "--http:Auth:Users:1:Name=bob", $"--http:Auth:Users:1:Password={ViewerPassword}", "--http:Auth:Users:1:Role=viewer",
    ];

    private static async Task<(ApplianceHost Host, LogCapture Logs)> StartAsync(params string[] extra)
    {
        Environment.SetEnvironmentVariable(PasswordVariable, AdminPassword);
        var logs = new LogCapture();
        var host = await ApplianceHost.StartAsync(b => b.Logging.AddProvider(logs), [.. AuthArgs(), .. extra]);
        return (host, logs);
    }

    private static AuthenticationHeaderValue? Credential(string who) => who switch
    {
        "anonymous" => null,
        "viewer-bearer" => new AuthenticationHeaderValue("Bearer", ViewerToken),
        "admin-bearer" => new AuthenticationHeaderValue("Bearer", AdminToken),
        "viewer-basic" => new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:" + ViewerPassword))),
        "admin-basic" => new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + AdminPassword))),
        _ => throw new ArgumentOutOfRangeException(nameof(who)),
    };

    private static readonly (HttpMethod Method, string Path, string? Body)[] Reads =
    [
        (HttpMethod.Get, "api/overview", null),
        (HttpMethod.Get, "api/topics", null),
        (HttpMethod.Get, "connectors", null),
        (HttpMethod.Get, "api/topologies", null),
        (HttpMethod.Get, "api/autoscaler", null),
        (HttpMethod.Get, "api/inputs", null),
        (HttpMethod.Get, "metrics", null),
    ];

    private static readonly (HttpMethod Method, string Path, string? Body)[] Changes =
    [
        (HttpMethod.Post, "ingest/auth-matrix", "{\"message\":\"hello\"}"),
        (HttpMethod.Post, "connectors", "{\"name\":\"x\"}"),
        (HttpMethod.Put, "connectors/absent/pause", null),
        (HttpMethod.Delete, "connectors/absent", null),
        (HttpMethod.Put, "api/topologies/absent/pause", null),
        (HttpMethod.Post, "api/autoscaler/absent/spill", null),
    ];

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, (HttpMethod Method, string Path, string? Body) call, AuthenticationHeaderValue? credential)
    {
        using var request = new HttpRequestMessage(call.Method, call.Path);
        request.Headers.Authorization = credential;
        if (call.Body is not null)
            request.Content = new StringContent(call.Body, Encoding.UTF8, "application/json");
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Role_matrix_over_the_real_endpoints_with_bearer_and_basic()
    {
        var (host, logs) = await StartAsync();
        await using var _ = host;
        var failures = new List<string>();
        foreach (string who in new[] { "anonymous", "viewer-bearer", "viewer-basic", "admin-bearer", "admin-basic" })
        {
            foreach (var (call, change) in Reads.Select(r => (r, false)).Concat(Changes.Select(c => (c, true))))
            {
                using var response = await SendAsync(host.Http, call, Credential(who));
                int status = (int)response.StatusCode;
                string body = await response.Content.ReadAsStringAsync();
                string what = $"{who} {call.Method} /{call.Path} → {status} {body[..Math.Min(body.Length, 120)]}";
                if (who == "anonymous")
                {
                    if (status != 401 || !response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Bearer") || !response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Basic") || !body.Contains("\"error_code\":401", StringComparison.Ordinal))
                        failures.Add("expected 401 with WWW-Authenticate and a JSON error: " + what);
                }
                else if (who.StartsWith("viewer", StringComparison.Ordinal) && change)
                {
                    if (status != 403 || !body.Contains("\"error_code\":403", StringComparison.Ordinal))
                        failures.Add("expected 403 JSON: " + what);
                }
                else if (!change || call.Path.StartsWith("ingest/", StringComparison.Ordinal))
                {
                    if (status != 200)
                        failures.Add("expected 200: " + what);
                }
                else if (status is 401 or 403 || status >= 500)
                {
                    // Changes to absent things: authorized, then answered by the endpoint itself (400/404/409).
                    failures.Add("expected the endpoint's own answer: " + what);
                }
            }
        }
        Assert.Empty(failures);

        foreach (string open in new[] { "healthz", "readyz" })
        {
            using var response = await host.Http.GetAsync(open);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{open} → {response.StatusCode}");
        }
        using (var page = await host.Http.GetAsync(""))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode); // the dashboard shell loads to show its sign-in form
            Assert.Contains("auth.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        string all = string.Join('\n', logs.Entries.Select(e => e.Message));
        foreach (string secret in new[] { ViewerToken, AdminToken, AdminPassword, ViewerPassword })
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_token_are_refused_and_logged_with_the_peer_but_not_the_secret()
    {
        var (host, logs) = await StartAsync();
        await using var _ = host;
        using (var request = new HttpRequestMessage(HttpMethod.Get, "api/overview"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:not-the-password")));
            using var response = await host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Get, "api/overview"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "forged-token-abcdefghijklmnop");
            using var response = await host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("HTTP authentication failed", StringComparison.Ordinal)).Select(e => e.Message).ToList();
        Assert.Contains(warnings, w => w.Contains("127.0.0.1", StringComparison.Ordinal) && w.Contains("user alice", StringComparison.Ordinal) && w.Contains("wrong user name or password", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("unknown token", StringComparison.Ordinal));
        string all = string.Join('\n', logs.Entries.Select(e => e.Message));
        Assert.DoesNotContain("not-the-password", all, StringComparison.Ordinal);
        Assert.DoesNotContain("forged-token-abcdefghijklmnop", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Binding_beyond_loopback_without_credentials_is_refused_at_startup()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ingesthub-auth-refusal-" + Guid.NewGuid().ToString("N"));
        try
        {
            var refused = Assert.Throws<InvalidOperationException>(() => IngestHubApp.Build(["--data-dir", dir, "--http-host", "0.0.0.0", "--http-port", "0", "--kafka-port", "0"]));
            Assert.Contains("http:Auth:Tokens", refused.Message, StringComparison.Ordinal);
            Assert.Contains("0.0.0.0", refused.Message, StringComparison.Ordinal);
            var noUsers = Assert.Throws<InvalidOperationException>(() => IngestHubApp.Build(["--data-dir", dir, "--http:Auth:Required=true", "--http-port", "0", "--kafka-port", "0"]));
            Assert.Contains("http:Auth:Required", noUsers.Message, StringComparison.Ordinal);
            var badRole = Assert.Throws<InvalidOperationException>(() => IngestHubApp.Build(["--data-dir", dir, "--http:Auth:Required=true", "--http:Auth:Users:0:Name=x", "--http:Auth:Users:0:Password=y", "--http:Auth:Users:0:Role=root", "--http-port", "0", "--kafka-port", "0"]));
            Assert.Contains("viewer or admin", badRole.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Https_with_the_pem_certificate_and_bearer_authentication()
    {
        using var certificates = new TestCertificates();
        var (host, _) = await StartAsync("--http:Ssl:CertificateFile=" + certificates.ServerCertFile, "--http:Ssl:KeyFile=" + certificates.ServerKeyFile);
        await using var _host = host;
        Assert.Equal("https", host.HttpBase.Scheme);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(certificates.CaFile);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                    return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        using var https = new HttpClient(handler) { BaseAddress = host.HttpBase, Timeout = TimeSpan.FromSeconds(60) };
        using (var anonymous = await https.GetAsync("api/overview"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/overview");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await https.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"broker\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_asks_for_a_token_keeps_it_in_session_storage_and_shows_the_overview()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "/usr/bin/chromium is not installed (tests/run.sh installs Debian's chromium)");
        var (host, _) = await StartAsync();
        await using var _host = host;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(host.HttpBase.ToString());
        var login = page.Locator("dialog#login");
        await login.WaitForAsync();
        Assert.Equal("", (await page.Locator("#broker").TextContentAsync())?.Trim() ?? "");
        await login.Locator("input[name=token]").FillAsync("wrong-token-0123456789");
        await login.Locator("button[type=submit]").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('dialog#login .login-message')?.textContent.includes('not accepted')");
        await page.Locator("dialog#login input[name=token]").FillAsync(ViewerToken);
        await page.Locator("dialog#login button[type=submit]").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('broker').textContent.includes('kafka')");
        Assert.Equal(ViewerToken, await page.EvaluateAsync<string>("() => sessionStorage.getItem('ingesthub.token')"));
        Assert.Empty(await page.Context.CookiesAsync());
        await page.ReloadAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('broker').textContent.includes('kafka')");
        Assert.Equal(0, await page.Locator("dialog#login").CountAsync());
    }
}
