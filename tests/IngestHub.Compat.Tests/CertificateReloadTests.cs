using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>An expired broker certificate is refused by kcat; replacing the PEM files fixes it without a restart.</summary>
public sealed class CertificateReloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kcat_refuses_an_expired_broker_certificate_and_accepts_the_replacement_without_a_restart()
    {
        using var certs = new TestCertificates();
        string certFile = Path.Combine(certs.Directory, "broker.pem");
        string keyFile = Path.Combine(certs.Directory, "broker.key");
        File.Copy(certs.ExpiredServerCertFile, certFile);
        File.Copy(certs.ExpiredServerKeyFile, keyFile);
        await using var host = await ApplianceHost.StartAsync(
            "--broker:Listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
            $"--broker:Ssl:CertificateFile={certFile}", $"--broker:Ssl:KeyFile={keyFile}");
        string ssl = $"127.0.0.1:{host.Broker.ListenerPort("SSL")}";
        string[] args = ["-L", "-b", ssl, "-m", "5", "-X", "security.protocol=SSL", "-X", $"ssl.ca.location={certs.CaFile}"];

        var expired = await Kcat.RunAsync(args, cancellationToken: Ct);
        Assert.False(expired.Succeeded, expired.Describe());
        Assert.True(expired.StdErr.Contains("certificate verify failed", StringComparison.Ordinal), expired.Describe());

        File.Copy(certs.ServerCertFile, certFile, overwrite: true);
        File.Copy(certs.ServerKeyFile, keyFile, overwrite: true);
        ProcessResult? last = null;
        await Poll.UntilAsync(async () => (last = await Kcat.RunAsync(args, cancellationToken: Ct)).Succeeded,
            TimeSpan.FromSeconds(30), () => last?.Describe() ?? "kcat never ran");
        Assert.Contains($"at {ssl}", last!.StdOut, StringComparison.Ordinal);
    }
}
