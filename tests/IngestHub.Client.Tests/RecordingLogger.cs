using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IngestHub.Client.Tests;

/// <summary>Keeps what the client logs at Warning and above, for tests that check a failure is not silent.</summary>
public sealed class RecordingLogger : ILogger<KafkaConsumer>, ILogger<KafkaProducer>
{
    private readonly ConcurrentQueue<string> _warnings = new();

    public IReadOnlyCollection<string> Warnings => _warnings;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Warning)
            _warnings.Enqueue(formatter(state, exception));
    }
}
