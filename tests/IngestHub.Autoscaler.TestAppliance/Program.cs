using IngestHub.Autoscaler.TestAppliance;
using IngestHub.Server;

if (args.Length > 0 && args[0] == "drain-bench")
    return await DrainBenchmark.RunAsync(args[1..]);

var app = IngestHubApp.Build(args, TestAppliance.Configure);
await app.RunAsync();
return 0;
