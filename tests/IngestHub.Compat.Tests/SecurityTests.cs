using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// TLS and SASL listeners driven by real clients: kcat (SASL_SSL + SCRAM-SHA-256), confluent-kafka for Python
/// (SCRAM-SHA-512, PLAIN), kafkajs (PLAIN over TLS), IngestHub.Client (SCRAM over TLS), and the refusals: wrong
/// password, unknown user, a plaintext client on a TLS port, an expired client certificate.
/// </summary>
public sealed class SecurityTests(SecureApplianceFixture fixture) : IClassFixture<SecureApplianceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Kcat_produces_and_consumes_over_SASL_SSL_with_SCRAM_SHA_256()
    {
        const string topic = "secure-kcat-scram256";
        var sasl = fixture.KcatSasl("SASL_SSL", "SCRAM-SHA-256", SecureApplianceFixture.User, SecureApplianceFixture.Password);
        string input = string.Concat(Enumerable.Range(0, 200).Select(i => $"k{i}:value-{i}\n"));
        var produce = await Kcat.RunAsync(["-P", .. sasl, "-t", topic, "-K:", "-m", "15", "-X", "message.timeout.ms=30000"], input, cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe());

        var consume = await Kcat.RunAsync(["-C", .. sasl, "-t", topic, "-o", "beginning", "-e", "-f", "%k:%s\n", "-m", "15"], cancellationToken: Ct);
        Assert.True(consume.Succeeded, consume.Describe());
        var lines = consume.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(200, lines.Length);
        Assert.Equal(input.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(), lines.Order());

        // Metadata over the SASL_SSL listener advertises that listener, so the client never leaves it.
        var list = await Kcat.RunAsync(["-L", .. sasl, "-m", "15"], cancellationToken: Ct);
        Assert.True(list.Succeeded, list.Describe());
        Assert.Contains($"at {fixture.SaslSsl}", list.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confluent_kafka_python_round_trips_with_SCRAM_SHA_512_over_SASL_PLAINTEXT()
    {
        var run = await PythonScript.RunAsync("secure_roundtrip.py",
            [fixture.SaslPlaintext, "SASL_PLAINTEXT", "SCRAM-SHA-512", SecureApplianceFixture.OtherUser, SecureApplianceFixture.OtherPassword, "-", "secure-py-scram512", "100"],
            ScriptTimeout, Ct);
        Assert.True(run.Succeeded, run.Describe());
        var result = JsonNode.Parse(run.StdOut.Trim())!;
        Assert.Equal(100, (int)result["consumed"]!);
    }

    [Fact]
    public async Task Confluent_kafka_python_round_trips_with_PLAIN_over_SASL_SSL()
    {
        var run = await PythonScript.RunAsync("secure_roundtrip.py",
            [fixture.SaslSsl, "SASL_SSL", "PLAIN", SecureApplianceFixture.User, SecureApplianceFixture.Password, fixture.Certificates.CaFile, "secure-py-plain", "100"],
            ScriptTimeout, Ct);
        Assert.True(run.Succeeded, run.Describe());
        Assert.Equal(100, (int)JsonNode.Parse(run.StdOut.Trim())!["consumed"]!);
    }

    [Fact]
    public async Task Confluent_kafka_python_with_a_wrong_password_is_refused_with_an_authentication_error()
    {
        var run = await PythonScript.RunAsync("secure_roundtrip.py",
            [fixture.SaslPlaintext, "SASL_PLAINTEXT", "SCRAM-SHA-512", SecureApplianceFixture.OtherUser, "not-the-password", "-", "secure-py-refused", "1"],
            ScriptTimeout, Ct);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("Authentication failed", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kafkajs_round_trips_with_PLAIN_over_TLS()
    {
        var run = await NodeScript.RunAsync("secure-roundtrip.js",
            [fixture.SaslSsl, "plain", SecureApplianceFixture.User, SecureApplianceFixture.Password, fixture.Certificates.CaFile, "secure-kafkajs-plain", "50"],
            ScriptTimeout, Ct);
        Assert.True(run.Succeeded, run.Describe());
        Assert.Equal(50, (int)JsonNode.Parse(run.StdOut.Trim())!["consumed"]!);
    }

    [Fact]
    public async Task Kafkajs_with_SCRAM_SHA_256_and_a_wrong_password_is_refused()
    {
        var run = await NodeScript.RunAsync("secure-roundtrip.js",
            [fixture.SaslSsl, "scram-sha-256", SecureApplianceFixture.User, "wrong", fixture.Certificates.CaFile, "secure-kafkajs-refused", "1"],
            ScriptTimeout, Ct);
        Assert.False(run.Succeeded, run.Describe());
        Assert.Contains("KafkaJSSASLAuthenticationError", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("Authentication failed", run.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SecureApplianceFixture.User, "wrong-password")]
    [InlineData("mallory", "any-password")]
    public async Task Kcat_with_bad_credentials_is_refused_with_an_authentication_error(string user, string password)
    {
        var sasl = fixture.KcatSasl("SASL_SSL", "SCRAM-SHA-256", user, password);
        var list = await Kcat.RunAsync(["-L", .. sasl, "-m", "5"], cancellationToken: Ct);
        Assert.False(list.Succeeded, list.Describe());
        Assert.Contains("Authentication failed", list.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plaintext_client_on_the_TLS_port_is_refused()
    {
        var list = await Kcat.RunAsync(["-L", "-b", fixture.Ssl, "-m", "5"], cancellationToken: Ct);
        Assert.False(list.Succeeded, list.Describe());
        Assert.DoesNotContain("topic \"", list.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plaintext_client_on_a_SASL_port_cannot_send_requests_before_authenticating()
    {
        var list = await Kcat.RunAsync(["-L", "-b", fixture.SaslPlaintext, "-m", "5"], cancellationToken: Ct);
        Assert.False(list.Succeeded, list.Describe());
        Assert.DoesNotContain("topic \"", list.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SSL_listener_accepts_a_valid_client_certificate_and_refuses_an_expired_one()
    {
        var certs = fixture.Certificates;
        var valid = await Kcat.RunAsync(["-L", "-b", fixture.Ssl, "-m", "10", "-X", "security.protocol=SSL",
            "-X", $"ssl.ca.location={certs.CaFile}", "-X", $"ssl.certificate.location={certs.ClientCertFile}", "-X", $"ssl.key.location={certs.ClientKeyFile}"], cancellationToken: Ct);
        Assert.True(valid.Succeeded, valid.Describe());
        Assert.Contains($"at {fixture.Ssl}", valid.StdOut, StringComparison.Ordinal);

        var expired = await Kcat.RunAsync(["-L", "-b", fixture.Ssl, "-m", "5", "-X", "security.protocol=SSL",
            "-X", $"ssl.ca.location={certs.CaFile}", "-X", $"ssl.certificate.location={certs.ExpiredClientCertFile}", "-X", $"ssl.key.location={certs.ExpiredClientKeyFile}"], cancellationToken: Ct);
        Assert.False(expired.Succeeded, expired.Describe());
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-512")]
    [InlineData("PLAIN")]
    public async Task IngestHub_client_produces_and_consumes_over_SASL_SSL(string mechanism)
    {
        string topic = "secure-client-" + mechanism.ToLowerInvariant();
        void Secure(ClientOptions o)
        {
            o.BootstrapServers = fixture.SaslSsl;
            o.SecurityProtocol = "SASL_SSL";
            o.SaslMechanism = mechanism;
            o.SaslUsername = SecureApplianceFixture.User;
            o.SaslPassword = SecureApplianceFixture.Password;
            o.SslCaLocation = fixture.Certificates.CaFile;
        }
        var producerOptions = new ProducerOptions { Acks = Acks.All };
        Secure(producerOptions);
        await using (var producer = new KafkaProducer(producerOptions))
        {
            for (int i = 0; i < 20; i++)
                await producer.ProduceAsync(topic, $"k{i}", $"v{i}", Ct);
        }
        var consumerOptions = new ConsumerOptions { GroupId = "secure-client-" + mechanism, AutoOffsetReset = AutoOffsetReset.Earliest };
        Secure(consumerOptions);
        await using var consumer = new KafkaConsumer(consumerOptions);
        consumer.Subscribe([topic]);
        var seen = new HashSet<string>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (seen.Count < 20)
        {
            if (await consumer.ConsumeAsync(TimeSpan.FromSeconds(1), deadline.Token) is { Value: { } value })
                seen.Add(Encoding.UTF8.GetString(value));
        }
        Assert.Equal(20, seen.Count);
    }

    [Fact]
    public async Task IngestHub_client_with_a_wrong_password_gets_SASL_AUTHENTICATION_FAILED()
    {
        var options = new ClientOptions
        {
            BootstrapServers = fixture.SaslSsl,
            SecurityProtocol = "SASL_SSL",
            SaslMechanism = "SCRAM-SHA-256",
            SaslUsername = SecureApplianceFixture.User,
            SaslPassword = "wrong",
            SslCaLocation = fixture.Certificates.CaFile,
        };
        await using var admin = new KafkaAdminClient(options);
        var error = await Assert.ThrowsAsync<KafkaException>(() => admin.DescribeTopicsAsync(null, Ct));
        Assert.Contains("Authentication failed", error.ToString(), StringComparison.Ordinal);
    }
}
