using IngestHub.Server.Inputs;
using IngestHub.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

[assembly: AssemblyFixture(typeof(IngestHub.Inputs.Tests.ApplianceFixture))]

namespace IngestHub.Inputs.Tests;

/// <summary>One appliance for the input tests, small HTTP limits and syslog on a free port; each test writes its own topic.</summary>
public sealed class ApplianceFixture : IAsyncLifetime
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxLines = 100;
    private ApplianceHost? _host;

    public ApplianceHost Host => _host!;

    public async ValueTask InitializeAsync() => _host = await ApplianceHost.StartAsync(
        $"--inputs:Http:MaxBodyBytes={MaxBodyBytes}", $"--inputs:Http:MaxLines={MaxLines}",
        "--inputs:Syslog:Enabled=true", "--inputs:Syslog:Port=0", $"--inputs:Syslog:Topic={SyslogTopic}", $"--inputs:Syslog:MaxMessageBytes={SyslogMaxMessageBytes}",
        $"--inputs:Otlp:Topic={OtlpTopic}");

    public const string OtlpTopic = "otlp-in";

    public const string SyslogTopic = "syslog-in";
    public const int SyslogMaxMessageBytes = 2048;

    /// <summary>The syslog listener's port (TCP and UDP).</summary>
    public int SyslogPort => Host.Services.GetRequiredService<InputsHost>().Syslog!.TcpPort;

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
    }

    public static string NewTopic(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}
