using System.CommandLine;
using IngestHub.Client;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub topics list|create|describe|alter|delete</c>.</summary>
public static class TopicsCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("topics", "List, create, describe, alter and delete topics");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(CreateTopic(console));
        command.Subcommands.Add(Describe(console));
        command.Subcommands.Add(Alter(console));
        command.Subcommands.Add(Delete(console));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var security = new KafkaSecurityOptions();
        var internalTopics = new Option<bool>("--include-internal") { Description = "Also list internal topics" };
        var command = new Command("list", "List topic names") { bootstrap, internalTopics };
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            await using var admin = NewAdmin(result, bootstrap, security);
            var metadata = await admin.DescribeTopicsAsync(null, ct);
            var names = metadata.Topics.Values.Where(t => result.GetValue(internalTopics) || !t.IsInternal)
                .Select(t => t.Name).Order(StringComparer.Ordinal);
            foreach (string name in names)
                await console.Out.WriteLineAsync(name);
            return 0;
        });
        return command;
    }

    private static Command CreateTopic(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var security = new KafkaSecurityOptions();
        var name = new Argument<string>("name") { Description = "Topic name" };
        var partitions = new Option<int>("--partitions", "-p") { Description = "Number of partitions (broker default when omitted)", DefaultValueFactory = _ => -1 };
        var replication = new Option<short>("--replication-factor") { Description = "Replication factor (broker default when omitted)", DefaultValueFactory = _ => -1 };
        var configs = new Option<string[]>("--config") { Description = "Topic configuration key=value (repeatable)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("create", "Create a topic") { name, bootstrap, partitions, replication, configs };
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string topic = result.GetValue(name)!;
            int count = result.GetValue(partitions);
            if (count == 0 || count < -1)
                throw new CliException("--partitions must be at least 1", 2);
            var config = SharedOptions.ParseKeyValues(result.GetValue(configs), "--config").ToDictionary(kv => kv.Key, kv => kv.Value);
            await using var admin = NewAdmin(result, bootstrap, security);
            await admin.CreateTopicsAsync([new NewTopic(topic, count, result.GetValue(replication), config)], ct);
            await console.Out.WriteLineAsync($"Created topic {topic}.");
            return 0;
        });
        return command;
    }

    private static Command Describe(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var security = new KafkaSecurityOptions();
        var name = new Argument<string>("name") { Description = "Topic name" };
        var command = new Command("describe", "Show partitions (leader, log start and end offsets) and configuration") { name, bootstrap };
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string topic = result.GetValue(name)!;
            await using var admin = NewAdmin(result, bootstrap, security);
            var metadata = await SharedOptions.RequireTopicAsync(admin, topic, ct);
            var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.Partition)).ToList();
            var missing = new List<string>();
            IReadOnlyDictionary<TopicPartition, long> none = new Dictionary<TopicPartition, long>();
            var starts = await SharedOptions.PartAsync("log start offsets (ListOffsets)", () => admin.ListOffsetsAsync(partitions, KafkaAdminClient.Earliest, ct), none, missing);
            var ends = await SharedOptions.PartAsync("log end offsets (ListOffsets)", () => admin.ListOffsetsAsync(partitions, KafkaAdminClient.Latest, ct), none, missing);
            var configs = await SharedOptions.PartAsync<IReadOnlyList<ConfigEntry>?>("configuration (DescribeConfigs)", async () => await admin.DescribeTopicConfigsAsync(topic, ct), null, missing);

            await console.Out.WriteLineAsync($"Topic: {topic}  Partitions: {metadata.Partitions.Count}");
            var table = console.NewTable().AddColumns("PARTITION", "LEADER", "REPLICAS", "ISR", "LOG-START-OFFSET", "LOG-END-OFFSET", "RECORDS");
            foreach (var partition in metadata.Partitions)
            {
                var tp = new TopicPartition(topic, partition.Partition);
                long start = starts.GetValueOrDefault(tp, -1);
                long end = ends.GetValueOrDefault(tp, -1);
                table.AddRow(Cells(partition.Partition.ToString(), partition.Leader.ToString(), string.Join(",", partition.Replicas),
                    string.Join(",", partition.Isr), start.ToString(), end.ToString(), start >= 0 && end >= 0 ? (end - start).ToString() : "-"));
            }
            console.Tables.Write(table);

            if (configs is not null)
            {
                var configTable = console.NewTable().AddColumns("CONFIG", "VALUE", "SOURCE");
                foreach (var entry in configs.OrderBy(c => c.Name, StringComparer.Ordinal))
                    configTable.AddRow(Cells(entry.Name, entry.IsSensitive ? "(sensitive)" : entry.Value ?? "", entry.IsDefault ? "default" : "topic"));
                console.Tables.Write(configTable);
            }
            return await SharedOptions.ReportMissingAsync(console, missing);
        });
        return command;
    }

    private static Command Alter(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var security = new KafkaSecurityOptions();
        var name = new Argument<string>("name") { Description = "Topic name" };
        var partitions = new Option<int>("--partitions", "-p") { Description = "New total number of partitions", Required = true };
        var command = new Command("alter", "Add partitions to a topic") { name, bootstrap, partitions };
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string topic = result.GetValue(name)!;
            int count = result.GetValue(partitions);
            await using var admin = NewAdmin(result, bootstrap, security);
            var metadata = await SharedOptions.RequireTopicAsync(admin, topic, ct);
            if (count <= metadata.Partitions.Count)
                throw new CliException($"topic '{topic}' has {metadata.Partitions.Count} partitions; --partitions must be larger (partitions cannot be removed)", 2);
            await admin.CreatePartitionsAsync(topic, count, ct);
            await console.Out.WriteLineAsync($"Topic {topic} now has {count} partitions.");
            return 0;
        });
        return command;
    }

    private static Command Delete(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var security = new KafkaSecurityOptions();
        var name = new Argument<string>("name") { Description = "Topic name" };
        var command = new Command("delete", "Delete a topic and its data") { name, bootstrap };
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string topic = result.GetValue(name)!;
            await using var admin = NewAdmin(result, bootstrap, security);
            await SharedOptions.RequireTopicAsync(admin, topic, ct);
            await admin.DeleteTopicsAsync([topic], ct);
            await console.Out.WriteLineAsync($"Deleted topic {topic}.");
            return 0;
        });
        return command;
    }

    internal static KafkaAdminClient NewAdmin(string bootstrap, IReadOnlyDictionary<string, string>? security) => new(SharedOptions.Configure(new ClientOptions(), bootstrap, security));

    internal static KafkaAdminClient NewAdmin(ParseResult result, Option<string> bootstrap, KafkaSecurityOptions security) =>
        NewAdmin(result.GetValue(bootstrap)!, security.Resolve(result));

    internal static Text[] Cells(params string[] values) => Array.ConvertAll(values, v => new Text(v));
}
