using IngestHub.Testing;
using Xunit;

namespace IngestHub.Cli.Tests;

/// <summary>
/// The commands that call the HTTP API against an appliance with authentication on, over HTTPS with the test
/// CA's certificate: refused without credentials (with a hint), served with a viewer token, a viewer refused a
/// change (403), an admin user allowed it (password as NAME:PASSWORD and from INGESTHUB_PASSWORD), and an https
/// certificate not trusted without <c>--ca-file</c>.
/// </summary>
public sealed class HttpAuthCliTests : IAsyncLifetime
{
    private const string ViewerToken = "cli-viewer-token-0123456789";
    private const string AdminPassword = "cli-Admin-pw-77";

    private readonly TestCertificates _certificates = new();
    private ApplianceHost? _appliance;

    private string Url => _appliance!.HttpBase.ToString().TrimEnd('/');

    public async ValueTask InitializeAsync()
    {
        _appliance = await ApplianceHost.StartAsync(
            "--http:Auth:Required=true",
            "--http:Auth:Tokens:0:Name=dash", $"--http:Auth:Tokens:0:Token={ViewerToken}", "--http:Auth:Tokens:0:Role=viewer",
            "--http:Auth:Users:0:Name=ops", $"--http:Auth:Users:0:Password={AdminPassword}", "--http:Auth:Users:0:Role=admin",
            "--http:Ssl:CertificateFile=" + _certificates.ServerCertFile, "--http:Ssl:KeyFile=" + _certificates.ServerKeyFile);
    }

    public async ValueTask DisposeAsync()
    {
        if (_appliance is not null)
            await _appliance.DisposeAsync();
        _certificates.Dispose();
    }

    private Task<CliRun> RunAsync(params string[] args) => CliRun.ExecuteAsync([.. args, "--url", Url, "--ca-file", _certificates.CaFile]);

    [Fact]
    public async Task Commands_without_credentials_are_refused_with_a_hint_and_work_with_a_token()
    {
        Assert.Equal("https", _appliance!.HttpBase.Scheme);
        foreach (string[] command in (string[][])[["connectors", "list"], ["topologies", "list"], ["autoscaler", "status"]])
        {
            var anonymous = await RunAsync(command);
            Assert.True(anonymous.ExitCode != 0, anonymous.ToString());
            Assert.Contains("authentication required", anonymous.Stderr, StringComparison.Ordinal);
            Assert.Contains("--token", anonymous.Stderr, StringComparison.Ordinal);

            var viewer = await RunAsync([.. command, "--token", ViewerToken]);
            Assert.DoesNotContain("authentication required", viewer.Stderr, StringComparison.Ordinal);
            if (command[0] != "autoscaler") // answers 404 when no target is autoscaled; the point is that it is not 401
                Assert.True(viewer.ExitCode == 0, viewer.ToString());
        }

        var wrong = await RunAsync("connectors", "list", "--token", "not-the-token-0123456789");
        Assert.Contains("authentication required", wrong.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_is_refused_a_change_and_an_admin_user_may_make_it()
    {
        var viewer = await RunAsync("connectors", "pause", "no-such-connector", "--token", ViewerToken);
        Assert.Equal(1, viewer.ExitCode);
        Assert.Contains("admin", viewer.Stderr, StringComparison.Ordinal);

        // Past authorization: the answer is about the connector, not the credentials.
        var admin = await RunAsync("connectors", "pause", "no-such-connector", "--user", $"ops:{AdminPassword}");
        Assert.Equal(1, admin.ExitCode);
        Assert.Contains("no-such-connector", admin.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("authentication", admin.Stderr, StringComparison.Ordinal);

        Environment.SetEnvironmentVariable(HttpApiCredentials.PasswordVariable, AdminPassword);
        try
        {
            var fromEnvironment = await RunAsync("connectors", "list", "--user", "ops");
            Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(HttpApiCredentials.PasswordVariable, null);
        }
        var noPassword = await RunAsync("connectors", "list", "--user", "ops");
        Assert.Equal(2, noPassword.ExitCode);
        Assert.Contains(HttpApiCredentials.PasswordVariable, noPassword.Stderr, StringComparison.Ordinal);
        var both = await RunAsync("connectors", "list", "--user", "ops:x", "--token", ViewerToken);
        Assert.Equal(2, both.ExitCode);
    }

    [Fact]
    public async Task Https_is_not_trusted_without_the_ca_file()
    {
        var untrusted = await CliRun.ExecuteAsync(["connectors", "list", "--url", Url, "--token", ViewerToken]);
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Contains("cannot reach", untrusted.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(ViewerToken, untrusted.Stderr, StringComparison.Ordinal);
    }
}
