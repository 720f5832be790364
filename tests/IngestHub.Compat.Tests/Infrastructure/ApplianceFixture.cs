using IngestHub.Testing;
using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>One in-process appliance (broker, HTTP API) shared by the tests of a class; each test uses its own topics.</summary>
public sealed class ApplianceFixture : IAsyncLifetime
{
    private ApplianceHost? _host;

    public ApplianceHost Host => _host ?? throw new InvalidOperationException("fixture not initialized");

    public string Bootstrap => Host.Bootstrap;

    public async ValueTask InitializeAsync() => _host = await ApplianceHost.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
    }
}
