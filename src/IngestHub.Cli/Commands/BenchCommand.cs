using System.CommandLine;
using IngestHub.Cli.Bench;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub bench produce|consume|e2e|pipeline</c>: whole-system throughput and latency.</summary>
public static class BenchCommand
{
    private delegate Task<BenchResult> Benchmark(BenchSettings settings, Action<string>? progress, CancellationToken ct);

    public static Command Create(CliConsole console)
    {
        var command = new Command("bench", "Measure throughput (records/s, MB/s) and latency (p50/p99/p99.9)");
        command.Subcommands.Add(Subcommand(console, "produce", "One producer sending as fast as it can; latency from send to delivery report",
            1_000_000, ProduceBenchmark.RunAsync, withRate: false));
        command.Subcommands.Add(Subcommand(console, "consume", "One consumer reading from the beginning (fills the topic first if short)",
            1_000_000, ConsumeBenchmark.RunAsync, withRate: false));
        command.Subcommands.Add(Subcommand(console, "e2e", "Produce at a fixed --rate; a consumer measures end-to-end latency",
            200_000, EndToEndBenchmark.RunAsync, withRate: true));
        command.Subcommands.Add(PipelineSubcommand(console));
        return command;
    }

    private static Command PipelineSubcommand(CliConsole console)
    {
        var records = new Option<long>("--records", "-n") { Description = "JSON log lines (about 150 B each)", DefaultValueFactory = _ => 500_000 };
        var partitions = new Option<int>("--partitions", "-p") { Description = "Partitions of the topic", DefaultValueFactory = _ => 4 };
        var workers = new Option<int>("--workers") { Description = "Connector workers", DefaultValueFactory = _ => 4 };
        var codec = new Option<string>("--codec") { Description = "Connector codec (json, plain)", DefaultValueFactory = _ => "json" };
        var batch = new Option<int>("--batch-size") { Description = "Events per sink batch (connector batch.size, rsyslog dequeue batch)", DefaultValueFactory = _ => 1000 };
        var linger = new Option<int>("--linger-ms") { Description = "Connector linger.ms", DefaultValueFactory = _ => 20 };
        var redis = new Option<string?>("--redis") { Description = "host:port of a Redis to use (default: start redis-server on a free port)" };
        var appliance = new Option<string?>("--appliance") { Description = "Run another build: a path to IngestHub.Server.dll or an ingesthub executable" };
        var peer = new Option<string>("--peer") { Description = "rsyslog or none", DefaultValueFactory = _ => "rsyslog" };
        var rsyslogWorkers = new Option<int>("--rsyslog-workers") { Description = "rsyslog ruleset queue worker threads", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print JSON lines instead of a table" };
        var command = new Command("pipeline", "Topic → codec → Redis list through a connector, beside rsyslog doing the same job in the same run")
        {
            records, partitions, workers, codec, batch, linger, redis, appliance, peer, rsyslogWorkers, json,
        };
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            if (result.GetValue(records) <= 0 || result.GetValue(partitions) <= 0 || result.GetValue(workers) <= 0 || result.GetValue(batch) <= 0)
                throw new CliException("--records, --partitions, --workers and --batch-size must be at least 1", 2);
            string peerName = result.GetValue(peer)!;
            if (peerName is not ("rsyslog" or "none"))
                throw new CliException("--peer must be rsyslog or none", 2);
            var settings = new PipelineBenchmark.Settings(result.GetValue(records), result.GetValue(partitions), result.GetValue(workers),
                result.GetValue(codec)!, result.GetValue(batch), result.GetValue(linger), result.GetValue(redis), result.GetValue(appliance),
                peerName == "rsyslog", Math.Max(1, result.GetValue(rsyslogWorkers)));
            IReadOnlyList<PipelineBenchmark.Run> runs;
            if (console.ErrorIsTerminal)
                runs = await console.Status.Status().StartAsync("bench pipeline…", status => PipelineBenchmark.RunAsync(settings, text => status.Status(text), ct));
            else
                runs = await PipelineBenchmark.RunAsync(settings, null, ct);
            if (result.GetValue(json))
            {
                foreach (var run in runs)
                    await console.Out.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(new
                    {
                        system = run.System, events = run.Events, seconds = Math.Round(run.Seconds, 3), eventsPerSec = Math.Round(run.EventsPerSecond),
                        mbPerSec = Math.Round(run.MegabytesPerSecond, 2), firstDeliverySec = Math.Round(run.FirstDeliverySeconds, 3),
                        cpuSec = Math.Round(run.CpuSeconds, 2), cpuSecPerMillion = Math.Round(run.CpuSecondsPerMillion, 2),
                    }));
                return 0;
            }
            var table = console.NewTable().AddColumn("system").AddColumn(new TableColumn("events/s").RightAligned())
                .AddColumn(new TableColumn("MB/s").RightAligned()).AddColumn(new TableColumn("first delivery (s)").RightAligned())
                .AddColumn(new TableColumn("seconds").RightAligned()).AddColumn(new TableColumn("CPU s / M events").RightAligned())
                .AddColumn(new TableColumn("vs first").RightAligned());
            var c = System.Globalization.CultureInfo.InvariantCulture;
            foreach (var run in runs)
            {
                table.AddRow(new Text(run.System), new Text(run.EventsPerSecond.ToString("N0", c)), new Text(run.MegabytesPerSecond.ToString("F1", c)),
                    new Text(run.FirstDeliverySeconds.ToString("F2", c)), new Text(run.Seconds.ToString("F2", c)),
                    new Text(run.CpuSecondsPerMillion.ToString("F2", c)), new Text((run.EventsPerSecond / runs[0].EventsPerSecond).ToString("F2", c) + "x"));
            }
            console.Tables.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Subcommand(CliConsole console, string name, string description, long defaultRecords, Benchmark benchmark, bool withRate)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var records = new Option<long>("--records", "-n") { Description = "Number of records", DefaultValueFactory = _ => defaultRecords };
        var recordSize = new Option<int>("--record-size", "-s") { Description = "Value size in bytes", DefaultValueFactory = _ => 100 };
        var acks = SharedOptions.Acks("1");
        var batchSize = new Option<int>("--batch-size") { Description = "batch.size in bytes", DefaultValueFactory = _ => 64 * 1024 };
        var linger = new Option<int>("--linger-ms") { Description = "linger.ms", DefaultValueFactory = _ => withRate ? 0 : 5 };
        var compression = SharedOptions.Compression();
        var topic = new Option<string>("--topic", "-t") { Description = "Topic (created when missing)", DefaultValueFactory = _ => $"ingesthub-bench" };
        var partitions = new Option<int>("--partitions", "-p") { Description = "Partitions when the topic is created", DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--rate") { Description = "Records per second (e2e)", DefaultValueFactory = _ => 10_000 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var command = new Command(name, description) { bootstrap, records, recordSize, acks, batchSize, linger, compression, topic, partitions, json };
        if (withRate)
            command.Options.Add(rate);
        var security = new KafkaSecurityOptions();
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            long count = result.GetValue(records);
            int size = result.GetValue(recordSize);
            if (count <= 0)
                throw new CliException("--records must be at least 1", 2);
            if (size < 0)
                throw new CliException("--record-size must not be negative", 2);
            if (result.GetValue(partitions) <= 0)
                throw new CliException("--partitions must be at least 1", 2);
            if (result.GetValue(batchSize) <= 0 || result.GetValue(linger) < 0)
                throw new CliException("--batch-size must be positive and --linger-ms not negative", 2);
            string acksText = result.GetValue(acks)!;
            string compressionText = result.GetValue(compression)!;
            var settings = new BenchSettings(result.GetValue(bootstrap)!, result.GetValue(topic)!, result.GetValue(partitions), count, size,
                acksText, SharedOptions.ParseAcks(acksText), result.GetValue(batchSize), result.GetValue(linger), compressionText,
                SharedOptions.ParseCompression(compressionText), withRate ? result.GetValue(rate) : 0)
            {
                Security = security.Resolve(result),
            };

            BenchResult figures;
            if (console.ErrorIsTerminal)
            {
                figures = await console.Status.Status().StartAsync($"bench {name}…", status =>
                    benchmark(settings, text => status.Status(text), ct));
            }
            else
            {
                figures = await benchmark(settings, null, ct);
            }
            if (result.GetValue(json))
                await console.Out.WriteLineAsync(figures.ToJson());
            else
                figures.WriteTable(console);
            return 0;
        });
        return command;
    }
}
