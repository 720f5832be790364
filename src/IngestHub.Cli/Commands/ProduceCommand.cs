using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using IngestHub.Client;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub produce &lt;topic&gt;</c>: one record per input line (stdin or --file).</summary>
public static class ProduceCommand
{
    public static Command Create(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var topicArg = new Argument<string>("topic") { Description = "Topic to write to (must exist)" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Read lines from this file instead of stdin" };
        var keySeparator = new Option<string?>("--key-separator", "-K")
        {
            Description = "Split each line at the first occurrence: key before, value after (lines without it have no key)",
        };
        var partition = new Option<int?>("--partition", "-p") { Description = "Write every record to this partition" };
        var headers = new Option<string[]>("--header", "-H") { Description = "Header key=value added to every record (repeatable)" };
        var acks = SharedOptions.Acks("all");
        var compression = SharedOptions.Compression();
        var linger = new Option<int>("--linger-ms") { Description = "linger.ms", DefaultValueFactory = _ => 5 };
        var batchSize = new Option<int>("--batch-size") { Description = "batch.size in bytes", DefaultValueFactory = _ => 64 * 1024 };
        var command = new Command("produce", "Produce records, one per line, from stdin or a file")
        {
            topicArg, bootstrap, file, keySeparator, partition, headers, acks, compression, linger, batchSize,
        };
        var security = new KafkaSecurityOptions();
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string topic = result.GetValue(topicArg)!;
            string? separator = result.GetValue(keySeparator);
            if (separator is { Length: 0 })
                throw new CliException("--key-separator must not be empty", 2);
            var recordHeaders = SharedOptions.ParseKeyValues(result.GetValue(headers), "--header")
                .ConvertAll(kv => new Header(kv.Key, Encoding.UTF8.GetBytes(kv.Value)));
            var connection = security.Resolve(result);
            var options = SharedOptions.Configure(new ProducerOptions(), result.GetValue(bootstrap)!, connection);
            options.Acks = SharedOptions.ParseAcks(result.GetValue(acks)!);
            options.EnableIdempotence = options.Acks == Acks.All;
            options.CompressionType = SharedOptions.ParseCompression(result.GetValue(compression)!);
            options.LingerMs = result.GetValue(linger);
            options.BatchSize = result.GetValue(batchSize);
            options.AllowAutoCreateTopics = false;
            int? fixedPartition = result.GetValue(partition);

            await using (var admin = TopicsCommand.NewAdmin(options.BootstrapServers, connection))
            {
                var metadata = await SharedOptions.RequireTopicAsync(admin, topic, ct);
                if (fixedPartition is { } p && (p < 0 || p >= metadata.Partitions.Count))
                    throw new CliException($"topic '{topic}' has no partition {p} ({metadata.Partitions.Count} partitions)", 2);
            }

            var input = result.GetValue(file) is { } info ? OpenFile(info) : console.In;
            try
            {
                var run = new ProduceRun(topic, separator, fixedPartition, recordHeaders.Count == 0 ? null : recordHeaders);
                await using (var producer = new KafkaProducer(options))
                {
                    if (console.ErrorIsTerminal)
                    {
                        await console.Status.Status().StartAsync("producing…", async status =>
                            await run.ExecuteAsync(producer, input, elapsed => status.Status(run.Progress(elapsed)), ct));
                    }
                    else
                    {
                        await run.ExecuteAsync(producer, input, null, ct);
                    }
                }
                if (run.FirstError is { } error)
                    throw new CliException($"{run.Failed} of {run.Sent} records failed: {error.Message}");
                double seconds = run.Elapsed.TotalSeconds;
                string partitions = string.Join(",", run.Partitions.Keys.Order());
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"Produced {run.Delivered} records to {topic} (partitions {(partitions.Length == 0 ? "-" : partitions)}) in {seconds:F2} s ({(seconds > 0 ? run.Delivered / seconds : 0):F0} records/s)"));
                return 0;
            }
            finally
            {
                if (!ReferenceEquals(input, console.In))
                    input.Dispose();
            }
        });
        return command;
    }

    private static StreamReader OpenFile(FileInfo info)
    {
        if (!info.Exists)
            throw new CliException($"file '{info.FullName}' does not exist", 2);
        return new StreamReader(info.FullName, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    /// <summary>One produce invocation: sends lines as records and counts delivery outcomes.</summary>
    private sealed class ProduceRun(string topic, string? separator, int? partition, IReadOnlyList<Header>? headers)
    {
        private readonly Stopwatch _clock = new();
        private long _delivered;
        private long _failed;
        private KafkaException? _firstError;

        public long Sent { get; private set; }
        public long Delivered => Interlocked.Read(ref _delivered);
        public long Failed => Interlocked.Read(ref _failed);
        public KafkaException? FirstError => Volatile.Read(ref _firstError);
        public ConcurrentDictionary<int, byte> Partitions { get; } = new();
        public TimeSpan Elapsed => _clock.Elapsed;

        public string Progress(TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
            $"producing to {topic}: {Delivered:N0} records ({(elapsed.TotalSeconds > 0 ? Delivered / elapsed.TotalSeconds : 0):N0} records/s)");

        public async Task ExecuteAsync(KafkaProducer producer, TextReader input, Action<TimeSpan>? progress, CancellationToken ct)
        {
            _clock.Start();
            long lastProgress = 0;
            Action<DeliveryReport> onDelivery = OnDelivery;
            while (await input.ReadLineAsync(ct) is { } line)
            {
                byte[]? key = null;
                string value = line;
                if (separator is not null)
                {
                    int at = line.IndexOf(separator, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        key = Encoding.UTF8.GetBytes(line[..at]);
                        value = line[(at + separator.Length)..];
                    }
                }
                producer.Produce(topic, key, Encoding.UTF8.GetBytes(value), onDelivery, headers, partition);
                Sent++;
                if (progress is not null && _clock.ElapsedMilliseconds - lastProgress >= 200)
                {
                    lastProgress = _clock.ElapsedMilliseconds;
                    progress(_clock.Elapsed);
                }
                if (FirstError is not null)
                    break;
            }
            await producer.FlushAsync(ct);
            _clock.Stop();
        }

        private void OnDelivery(DeliveryReport report)
        {
            if (report.IsSuccess)
            {
                Interlocked.Increment(ref _delivered);
                Partitions.TryAdd(report.Result!.Partition, 0);
            }
            else
            {
                Interlocked.Increment(ref _failed);
                Interlocked.CompareExchange(ref _firstError, report.Error, null);
            }
        }
    }
}
