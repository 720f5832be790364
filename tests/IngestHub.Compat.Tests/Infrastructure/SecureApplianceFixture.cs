using IngestHub.Testing;
using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>
/// One appliance with all four listener kinds (PLAINTEXT, SSL with optional client certificates,
/// SASL_PLAINTEXT, SASL_SSL) on free loopback ports, certificates made in-process, and two SASL users.
/// </summary>
public sealed class SecureApplianceFixture : IAsyncLifetime
{
    public const string User = "alice";
    public const string Password = "alice-Secret-1";
    public const string OtherUser = "bob";
    public const string OtherPassword = "bob-Secret-2";

    private ApplianceHost? _host;

    public TestCertificates Certificates { get; } = new();
    public ApplianceHost Host => _host ?? throw new InvalidOperationException("fixture not initialized");
    public string Plaintext => Endpoint("PLAINTEXT");
    public string Ssl => Endpoint("SSL");
    public string SaslPlaintext => Endpoint("SASL_PLAINTEXT");
    public string SaslSsl => Endpoint("SASL_SSL");

    public string Endpoint(string listener) => $"127.0.0.1:{Host.Broker.ListenerPort(listener)}";

    public async ValueTask InitializeAsync()
    {
        _host = await ApplianceHost.StartAsync(
            "--broker:Listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
            $"--broker:Ssl:CertificateFile={Certificates.ServerCertFile}",
            $"--broker:Ssl:KeyFile={Certificates.ServerKeyFile}",
            $"--broker:Ssl:TrustedCaFile={Certificates.CaFile}",
            "--broker:Ssl:ClientAuth=requested");
        Host.Broker.Credentials.Upsert(User, Password);
        Host.Broker.Credentials.Upsert(OtherUser, OtherPassword, ["SCRAM-SHA-512"]);
    }

    /// <summary>kcat arguments for a SASL_SSL/SASL_PLAINTEXT connection.</summary>
    public List<string> KcatSasl(string protocol, string mechanism, string user, string password)
    {
        var args = new List<string>
        {
            "-b", protocol == "SASL_SSL" ? SaslSsl : SaslPlaintext,
            "-X", $"security.protocol={protocol}", "-X", $"sasl.mechanisms={mechanism}",
            "-X", $"sasl.username={user}", "-X", $"sasl.password={password}",
        };
        if (protocol == "SASL_SSL")
            args.AddRange(["-X", $"ssl.ca.location={Certificates.CaFile}"]);
        return args;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
        Certificates.Dispose();
    }
}
