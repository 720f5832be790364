if (args.Length > 0 && args[0] == "es-sink")
    return await IngestHub.Benchmarks.ElasticsearchSinkHarness.RunAsync(args);
if (args.Length > 0 && args[0] == "topology")
    return await IngestHub.Benchmarks.TopologyThroughputHarness.RunAsync(args);
if (args.Length > 0 && args[0] == "pipeline-alloc")
    return IngestHub.Benchmarks.PipelineAllocationHarness.Run(args);
if (args.Length > 0 && args[0] is "log-append" or "log-read")
    return IngestHub.Benchmarks.LogThroughputHarness.Run(args);
if (args.Length > 0 && args[0] == "client")
    return await IngestHub.Benchmarks.ClientThroughputHarness.RunAsync(args);
if (args.Length > 0 && args[0] == "logging-throughput")
    return await IngestHub.Benchmarks.LoggingThroughputHarness.RunAsync(args);
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(IngestHub.Benchmarks.LoggingCallBenchmarks).Assembly).Run(args);
return 0;

internal sealed partial class Program;
