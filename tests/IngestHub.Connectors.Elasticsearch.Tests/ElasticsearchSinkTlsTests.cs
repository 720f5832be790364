using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IngestHub.Connectors.Elasticsearch.Tests.TestServer;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

/// <summary>Server certificate checks against the test server on HTTPS with a self-signed certificate.</summary>
public sealed class ElasticsearchSinkTlsTests : IAsyncLifetime
{
    private X509Certificate2 _certificate = null!;
    private ElasticsearchTestServer _server = null!;
    private string _caFile = "";

    private string _otherCaFile = "";

    public async ValueTask InitializeAsync()
    {
        _certificate = SelfSigned("CN=elasticsearch-test-server");
        using var other = SelfSigned("CN=another-authority");
        _caFile = Path.Combine(Path.GetTempPath(), $"ihtest-ca-{Guid.NewGuid():N}.crt");
        _otherCaFile = Path.Combine(Path.GetTempPath(), $"ihtest-ca-{Guid.NewGuid():N}.crt");
        await File.WriteAllTextAsync(_caFile, _certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(_otherCaFile, other.ExportCertificatePem());
        _server = await ElasticsearchTestServer.StartAsync(certificate: _certificate);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
        File.Delete(_caFile);
        File.Delete(_otherCaFile);
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    private async Task<bool> ConnectsAsync(JsonObject extra)
    {
        var settings = new JsonObject { ["hosts"] = _server.Url.AbsoluteUri, ["request.retries"] = "0", ["index"] = "tls" };
        foreach (var (k, v) in extra)
            settings[k] = v?.DeepClone();
        await using var sink = new ElasticsearchSinkFactory().Create("tls", JsonNode.Parse(settings.ToJsonString())!.AsObject(), NullLoggerFactory.Instance);
        try
        {
            await sink.StartAsync(TestContext.Current.CancellationToken);
            return true;
        }
        catch (SinkUnavailableException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Self_signed_certificate_is_refused_by_default() =>
        Assert.False(await ConnectsAsync([]));

    [Fact]
    public async Task Trusted_fingerprint_accepts_the_certificate_and_another_does_not()
    {
        string fingerprint = Convert.ToHexString(SHA256.HashData(_certificate.RawData));
        string withColons = string.Join(':', Enumerable.Range(0, 32).Select(i => fingerprint.Substring(i * 2, 2)));
        Assert.True(await ConnectsAsync(new() { ["ssl.ca_trusted_fingerprint"] = withColons }));
        Assert.False(await ConnectsAsync(new() { ["ssl.ca_trusted_fingerprint"] = new string('0', 64) }));
    }

    [Fact]
    public async Task Custom_certificate_authority_file_is_trusted() =>
        Assert.True(await ConnectsAsync(new() { ["ssl.certificate_authority"] = _caFile }));

    [Fact]
    public async Task A_certificate_from_another_authority_is_refused() =>
        Assert.False(await ConnectsAsync(new() { ["ssl.certificate_authority"] = _otherCaFile }));

    [Fact]
    public async Task A_fingerprint_with_spaces_or_lowercase_is_accepted()
    {
        string fingerprint = Convert.ToHexString(SHA256.HashData(_certificate.RawData)).ToLowerInvariant();
        string spaced = string.Join(' ', Enumerable.Range(0, 32).Select(i => fingerprint.Substring(i * 2, 2)));
        Assert.True(await ConnectsAsync(new() { ["ssl.ca_trusted_fingerprint"] = spaced }));
    }

    [Fact]
    public async Task Verification_can_be_turned_off() =>
        Assert.True(await ConnectsAsync(new() { ["ssl.verify"] = "false" }));
}
