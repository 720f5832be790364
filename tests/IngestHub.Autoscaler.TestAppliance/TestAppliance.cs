using IngestHub.Pipelines.Sinks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace IngestHub.Autoscaler.TestAppliance;

/// <summary>What this appliance adds to the real one: the <c>slow-redis</c> output and the phase pause.</summary>
public static class TestAppliance
{
    public static void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ISinkFactory, SlowSinkFactory>();
        builder.Services.AddSingleton<ISpillObserver, PausingSpillObserver>();
    }
}
