if (args.Length > 0 && args[0] == "es-sink")
    return await IngestHub.Benchmarks.ElasticsearchSinkHarness.RunAsync(args);
if (args.Length > 0 && args[0] is "log-append" or "log-read")
    return IngestHub.Benchmarks.LogThroughputHarness.Run(args);
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

internal sealed partial class Program;
