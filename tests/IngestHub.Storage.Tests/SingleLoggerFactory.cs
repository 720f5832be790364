using Microsoft.Extensions.Logging;

namespace IngestHub.Storage.Tests;

/// <summary>Hands out one logger for every category.</summary>
internal sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
{
    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => logger;

    public void Dispose()
    {
    }
}
