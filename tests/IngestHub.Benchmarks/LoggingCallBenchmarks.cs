using BenchmarkDotNet.Attributes;
using IngestHub.Logging;
using IngestHub.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Benchmarks;

/// <summary>
/// Cost on the calling thread of one structured log call (three properties) inside one scope, through
/// <see cref="LoggerFactory"/>: the IngestHub provider shipping into an in-process appliance, Microsoft's console
/// logger (simple and JSON formatters, scopes on, writing to a null writer so its output thread is never the limit)
/// and a factory whose only provider is <see cref="NullLoggerProvider"/> (the framework's own dispatch).
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Everything is disposed in the global cleanup.")]
public class LoggingCallBenchmarks
{
    private ApplianceHost _appliance = null!;
    private IngestHubLoggerProvider _provider = null!;
    private ILoggerFactory _ingestHub = null!;
    private ILoggerFactory _console = null!;
    private ILoggerFactory _jsonConsole = null!;
    private ILoggerFactory _null = null!;
    private ILogger _ingestHubLogger = null!;
    private ILogger _consoleLogger = null!;
    private ILogger _jsonConsoleLogger = null!;
    private ILogger _nullLogger = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _appliance = await ApplianceHost.StartAsync("--Logging:LogLevel:Default=Warning");
        _provider = new IngestHubLoggerProvider(new IngestHubLoggerOptions
        {
            BootstrapServers = _appliance.Bootstrap,
            Topic = "bench-logs",
            ServiceName = "bench",
        });
        _ingestHub = LoggerFactory.Create(b => b.AddProvider(_provider));
        // The console provider takes Console.Out when it is built: build it over a null writer, then restore the
        // real one (the benchmark host reads this process's output).
        var stdout = System.Console.Out;
        System.Console.SetOut(TextWriter.Null);
        try
        {
            _console = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.IncludeScopes = true));
            _jsonConsole = LoggerFactory.Create(b => b.AddJsonConsole(o => o.IncludeScopes = true));
            _consoleLogger = _console.CreateLogger("Shop.Orders");
            _jsonConsoleLogger = _jsonConsole.CreateLogger("Shop.Orders");
        }
        finally
        {
            System.Console.SetOut(stdout);
        }
        _null = LoggerFactory.Create(b => b.AddProvider(NullLoggerProvider.Instance));
        _ingestHubLogger = _ingestHub.CreateLogger("Shop.Orders");
        _nullLogger = _null.CreateLogger("Shop.Orders");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await _provider.FlushAsync(deadline.Token);
        var stats = _provider.Statistics;
        System.Console.WriteLine($"// IngestHub provider: received {stats.Received}, sent {stats.Sent}, dropped {stats.Dropped}");
        _console.Dispose();
        _jsonConsole.Dispose();
        _null.Dispose();
        _ingestHub.Dispose();
        _provider.Dispose();
        await _appliance.DisposeAsync();
    }

    private static void LogOne(ILogger logger)
    {
        using (logger.BeginScope("Request {RequestId}", "0HN8K2Q1V3"))
            logger.LogInformation("Order {OrderId} shipped to {Region} for {Amount}", 1234, "eu-west", 99.5m);
    }

    [Benchmark(Baseline = true)]
    public void ConsoleSimple() => LogOne(_consoleLogger);

    [Benchmark]
    public void ConsoleJson() => LogOne(_jsonConsoleLogger);

    [Benchmark]
    public void IngestHubProvider() => LogOne(_ingestHubLogger);

    [Benchmark]
    public void NullProvider() => LogOne(_nullLogger);
}
