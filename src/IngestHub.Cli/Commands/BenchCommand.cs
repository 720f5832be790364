using System.CommandLine;
using IngestHub.Cli.Bench;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub bench produce|consume|e2e</c>: whole-system throughput and latency.</summary>
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
                SharedOptions.ParseCompression(compressionText), withRate ? result.GetValue(rate) : 0);

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
