using System.Text.RegularExpressions;
using IngestHub.Testing;
using Xunit;

namespace IngestHub.Cli.Tests;

/// <summary>
/// The appliance as a child process with a PLAINTEXT and a SASL_SSL listener (certificates made in-process, the
/// user added with <c>ingesthub users add</c> into its data directory before it starts), driven by the data
/// commands with the security options, <c>-X key=value</c> and <c>--command-config</c>.
/// </summary>
public sealed partial class SecureServerFixture : IAsyncLifetime
{
    public const string User = "carol";
    public const string Password = "carol-Secret-7";

    private ApplianceProcess? _appliance;

    public TestCertificates Certificates { get; } = new();

    public string SaslSsl { get; private set; } = "";

    public string Plaintext => _appliance!.Bootstrap;

    public async ValueTask InitializeAsync()
    {
        _appliance = ApplianceProcess.Create(
            "--broker:Listeners=PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
            $"--broker:Ssl:CertificateFile={Certificates.ServerCertFile}",
            $"--broker:Ssl:KeyFile={Certificates.ServerKeyFile}",
            "--broker:SaslEnabledMechanisms=SCRAM-SHA-256,SCRAM-SHA-512",
            "--broker:AutoCreateTopicsEnable=false");
        var added = await CliRun.ExecuteAsync(["users", "add", User, "--data-dir", _appliance.DataDir, "--password", Password, "--mechanism", "SCRAM-SHA-256"]);
        Assert.True(added.ExitCode == 0, added.ToString());
        await _appliance.StartAsync();
        // Every listener is logged before the broker reports ready.
        var match = SaslSslLine().Match(_appliance.Output);
        Assert.True(match.Success, _appliance.Output);
        SaslSsl = $"127.0.0.1:{match.Groups[1].Value}";
    }

    /// <summary>The options for SASL_SSL + SCRAM-SHA-256 as <paramref name="user"/>.</summary>
    public string[] Options(string password = Password, string user = User) =>
        ["-b", SaslSsl, "--security-protocol", "SASL_SSL", "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-username", user,
            "--sasl-password", password, "--ssl-ca-location", Certificates.CaFile];

    public async ValueTask DisposeAsync()
    {
        if (_appliance is not null)
            await _appliance.DisposeAsync();
        Certificates.Dispose();
    }

    [GeneratedRegex(@"Listening on SASL_SSL://[^\s]+:(\d+) ")]
    private static partial Regex SaslSslLine();
}

public sealed class SecureConnectionTests(SecureServerFixture server) : IClassFixture<SecureServerFixture>
{
    [Fact]
    public async Task Topics_produce_consume_and_groups_work_over_SASL_SSL_with_options_X_properties_and_a_command_config()
    {
        string topic = ApplianceFixture.UniqueName("secure-cli");
        var created = await CliRun.ExecuteAsync(["topics", "create", topic, "--partitions", "2", .. server.Options()]);
        Assert.True(created.ExitCode == 0, created.ToString());

        string input = string.Concat(Enumerable.Range(0, 300).Select(i => $"line-{i}\n"));
        var produced = await CliRun.ExecuteAsync(["produce", topic, .. server.Options()], input);
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Contains("Produced 300 records", produced.Stdout, StringComparison.Ordinal);

        // kcat's style: every setting as -X key=value (librdkafka's sasl.mechanisms spelling too).
        var consumed = await CliRun.ExecuteAsync(["consume", topic, "-b", server.SaslSsl, "--from-beginning", "-n", "300", "--timeout", "30",
            "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", $"sasl.username={SecureServerFixture.User}",
            "-X", $"sasl.password={SecureServerFixture.Password}", "-X", $"ssl.ca.location={server.Certificates.CaFile}"]);
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"line-{i}").Order(StringComparer.Ordinal), consumed.StdoutLines.Order(StringComparer.Ordinal));

        // Kafka's tools' style: a properties file; the password from the environment variable is not needed then.
        string config = Path.Combine(server.Certificates.Directory, "client.properties");
        await File.WriteAllLinesAsync(config, ["# SASL_SSL as carol", "security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-256",
            $"sasl.username={SecureServerFixture.User}", $"sasl.password={SecureServerFixture.Password}", $"ssl.ca.location={server.Certificates.CaFile}"],
            TestContext.Current.CancellationToken);
        string group = ApplianceFixture.UniqueName("secure-group");
        var inGroup = await CliRun.ExecuteAsync(["consume", topic, "-b", server.SaslSsl, "--command-config", config, "--from-beginning", "-g", group, "-n", "300", "--timeout", "30"]);
        Assert.True(inGroup.ExitCode == 0, inGroup.ToString());
        Assert.Equal(300, inGroup.StdoutLines.Length);

        var described = await CliRun.ExecuteAsync(["groups", "describe", group, "-b", server.SaslSsl, "--command-config", config]);
        Assert.True(described.ExitCode == 0, described.ToString());
        Assert.Contains(described.StdoutLines, l => l.Contains(topic, StringComparison.Ordinal));

        var listed = await CliRun.ExecuteAsync(["topics", "list", "-b", server.SaslSsl, "--command-config", config]);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains(topic, listed.StdoutLines);
    }

    [Fact]
    public async Task A_wrong_password_fails_with_an_authentication_error_and_a_non_zero_exit()
    {
        var produced = await CliRun.ExecuteAsync(["produce", "any-topic", .. server.Options(password: "not-the-password")], "x\n");
        Assert.Equal(1, produced.ExitCode);
        Assert.Contains("SASL authentication", produced.Stderr, StringComparison.Ordinal);
        Assert.Contains("failed", produced.Stderr, StringComparison.Ordinal);
        Assert.Empty(produced.Stdout);

        var consumed = await CliRun.ExecuteAsync(["consume", "any-topic", "-n", "1", .. server.Options(user: "mallory")]);
        Assert.Equal(1, consumed.ExitCode);
        Assert.Contains("SASL authentication", consumed.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>Combinations that cannot work are refused before connecting (exit 2, one line naming the setting).</summary>
public sealed class SecurityOptionErrorsTests
{
    // Nothing listens here: every case must be refused before a connection is tried.
    private const string Nowhere = "127.0.0.1:1";

    [Theory]
    [InlineData("sasl.username is set but security.protocol is PLAINTEXT", "produce", "t", "--sasl-username", "u", "--sasl-password", "p")]
    [InlineData("sasl.mechanism is set but security.protocol is SSL", "topics", "list", "-X", "security.protocol=SSL", "-X", "sasl.mechanism=PLAIN")]
    [InlineData("ssl.ca.location is set but security.protocol is SASL_PLAINTEXT", "consume", "t", "--security-protocol", "SASL_PLAINTEXT", "--sasl-username", "u", "--sasl-password", "p", "--ssl-ca-location", "/etc/hostname")]
    [InlineData("security.protocol SASL_SSL needs sasl.username", "produce", "t", "--security-protocol", "SASL_SSL")]
    [InlineData("security.protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not 'TLS'", "groups", "list", "--security-protocol", "tls")]
    [InlineData("sasl.mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not 'GSSAPI'", "topics", "list", "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanism=GSSAPI")]
    [InlineData("ssl.certificate.location and ssl.key.location go together", "topics", "list", "--security-protocol", "SSL", "--ssl-certificate-location", "/etc/hostname")]
    [InlineData("ssl.ca.location file '/nonexistent/ca.pem' does not exist", "produce", "t", "--security-protocol", "SSL", "--ssl-ca-location", "/nonexistent/ca.pem")]
    [InlineData("-X: unknown client property 'sasl.jaas.config'", "consume", "t", "-X", "sasl.jaas.config=x")]
    [InlineData("-X expects key=value, not 'security.protocol'", "consume", "t", "-X", "security.protocol")]
    [InlineData("--command-config file", "topics", "list", "--command-config", "/nonexistent/client.properties")]
    [InlineData("ssl.endpoint.identification.algorithm must be https or none", "bench", "produce", "-X", "security.protocol=SSL", "-X", "ssl.endpoint.identification.algorithm=dns")]
    public async Task Bad_combinations_are_refused_with_exit_2_naming_the_setting(string expected, params string[] args)
    {
        var run = await CliRun.ExecuteAsync([.. args, "-b", Nowhere]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot connect", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_line_in_the_command_config_is_named()
    {
        string file = Path.Combine(Path.GetTempPath(), "ingesthub-bad-config-" + Guid.NewGuid().ToString("N") + ".properties");
        await File.WriteAllLinesAsync(file, ["security.protocol=SASL_SSL", "this line has no equals sign"], TestContext.Current.CancellationToken);
        try
        {
            var run = await CliRun.ExecuteAsync(["topics", "list", "-b", Nowhere, "--command-config", file]);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("line 2: expected key=value", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
