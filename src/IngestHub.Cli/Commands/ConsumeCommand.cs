using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using IngestHub.Client;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub consume &lt;topic&gt;</c>: prints values (or JSON lines) to stdout. A record batch that cannot be
/// decoded is reported on stderr with its partition and offset range, consumption goes on after it, and the exit code
/// is 3 when that happened.</summary>
public static class ConsumeCommand
{
    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(5);

    public static Command Create(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var topicArg = new Argument<string>("topic") { Description = "Topic to read" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the earliest offset when nothing is committed (default: only new records)" };
        var group = new Option<string?>("--group", "-g") { Description = "Consumer group: join it and commit consumed offsets" };
        var max = new Option<long?>("--max", "-n") { Description = "Exit after this many records" };
        var timeout = new Option<double?>("--timeout") { Description = "Exit after this many seconds without a record" };
        var partition = new Option<int?>("--partition", "-p") { Description = "Read only this partition" };
        var format = new Option<string>("--format") { Description = "value (default) or json: one object per line", DefaultValueFactory = _ => "value" };
        format.AcceptOnlyFromAmong("value", "json");
        var command = new Command("consume", "Consume records and print them")
        {
            topicArg, bootstrap, fromBeginning, group, max, timeout, partition, format,
        };
        var security = new KafkaSecurityOptions();
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string topic = result.GetValue(topicArg)!;
            long? limit = result.GetValue(max);
            if (limit is <= 0)
                throw new CliException("--max must be at least 1", 2);
            double? idleSeconds = result.GetValue(timeout);
            if (idleSeconds is <= 0)
                throw new CliException("--timeout must be positive", 2);
            string? groupId = result.GetValue(group);
            int? onlyPartition = result.GetValue(partition);
            bool json = result.GetValue(format) == "json";

            var connection = security.Resolve(result);
            var options = SharedOptions.Configure(new ConsumerOptions(), result.GetValue(bootstrap)!, connection);
            options.GroupId = groupId;
            options.EnableAutoCommit = false;
            options.AutoOffsetReset = result.GetValue(fromBeginning) ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest;
            if (groupId is not null)
            {
                options.SessionTimeoutMs = 10_000;
                options.HeartbeatIntervalMs = 1_000;
            }

            TopicMetadata metadata;
            await using (var admin = TopicsCommand.NewAdmin(options.BootstrapServers, connection))
                metadata = await SharedOptions.RequireTopicAsync(admin, topic, ct);
            if (onlyPartition is { } p && (p < 0 || p >= metadata.Partitions.Count))
                throw new CliException($"topic '{topic}' has no partition {p} ({metadata.Partitions.Count} partitions)", 2);

            await using var consumer = new KafkaConsumer(options);
            if (onlyPartition is { } single)
                consumer.Assign([new TopicPartition(topic, single)]);
            else if (groupId is not null)
                consumer.Subscribe([topic]);
            else
                consumer.Assign(metadata.Partitions.Select(m => new TopicPartition(topic, m.Partition)));

            var positions = new Dictionary<TopicPartition, long>();
            var lastCommit = Stopwatch.StartNew();
            long count = 0;
            int undecodable = 0;
            using var jsonBuffer = new MemoryStream();
            using var writer = new Utf8JsonWriter(jsonBuffer);
            try
            {
                while (limit is null || count < limit)
                {
                    ConsumeResult? record;
                    try
                    {
                        record = idleSeconds is { } idle
                            ? await consumer.ConsumeAsync(TimeSpan.FromSeconds(idle), ct)
                            : await consumer.ConsumeAsync(ct);
                    }
                    catch (RecordBatchDecodeException ex)
                    {
                        undecodable++;
                        await console.Error.WriteLineAsync($"ingesthub: skipped {ex.OffsetCount} offsets: {ex.Message}");
                        if (groupId is not null)
                            positions[ex.TopicPartition] = ex.LastOffset + 1;
                        continue;
                    }
                    if (record is null)
                        break;
                    count++;
                    if (json)
                    {
                        jsonBuffer.SetLength(0);
                        writer.Reset();
                        WriteJson(writer, record);
                        writer.Flush();
                        await console.Out.WriteLineAsync(Encoding.UTF8.GetString(jsonBuffer.GetBuffer(), 0, (int)jsonBuffer.Length));
                    }
                    else
                    {
                        await console.Out.WriteLineAsync(record.Value is null ? "" : Encoding.UTF8.GetString(record.Value));
                    }
                    if (groupId is not null)
                    {
                        positions[record.TopicPartition] = record.Offset + 1;
                        if (lastCommit.Elapsed >= CommitInterval)
                        {
                            await CommitAsync(consumer, positions, ct);
                            lastCommit.Restart();
                        }
                    }
                }
            }
            finally
            {
                await console.Out.FlushAsync(CancellationToken.None);
                if (groupId is not null)
                    await CommitAsync(consumer, positions, CancellationToken.None);
            }
            return undecodable == 0 ? 0 : 3;
        });
        return command;
    }

    private static async Task CommitAsync(KafkaConsumer consumer, Dictionary<TopicPartition, long> positions, CancellationToken ct)
    {
        if (positions.Count == 0)
            return;
        await consumer.CommitAsync(positions.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)).ToList(), ct);
        positions.Clear();
    }

    /// <summary>{"topic","partition","offset","timestamp","key","value","headers":{…}}; bytes as UTF-8 text, null stays null.</summary>
    internal static void WriteJson(Utf8JsonWriter writer, ConsumeResult record)
    {
        writer.WriteStartObject();
        writer.WriteString("topic", record.Topic);
        writer.WriteNumber("partition", record.Partition);
        writer.WriteNumber("offset", record.Offset);
        writer.WriteNumber("timestamp", record.Timestamp);
        WriteBytes(writer, "key", record.Key);
        WriteBytes(writer, "value", record.Value);
        writer.WriteStartObject("headers");
        foreach (var header in record.Headers)
            WriteBytes(writer, header.Key, header.Value);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteBytes(Utf8JsonWriter writer, string name, byte[]? value)
    {
        if (value is null)
            writer.WriteNull(name);
        else
            writer.WriteString(name, Encoding.UTF8.GetString(value));
    }
}
