using IngestHub.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(IngestHub.Logging.Tests.ApplianceFixture))]

namespace IngestHub.Logging.Tests;

/// <summary>One appliance shared by the tests that do not stop it; each test writes its own topic.</summary>
public sealed class ApplianceFixture : IAsyncLifetime
{
    private ApplianceHost? _host;

    public ApplianceHost Host => _host!;

    public async ValueTask InitializeAsync() => _host = await ApplianceHost.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
    }

    public static string NewTopic(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}
