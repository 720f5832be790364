using System.CommandLine;
using IngestHub.Client;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary><c>ingesthub groups list|describe</c>.</summary>
public static class GroupsCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("groups", "List and describe consumer groups");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Describe(console));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var security = new KafkaSecurityOptions();
        var command = new Command("list", "List consumer group ids") { bootstrap };
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            await using var admin = TopicsCommand.NewAdmin(result, bootstrap, security);
            var groups = await admin.ListGroupsAsync(ct);
            foreach (var group in groups.OrderBy(g => g.GroupId, StringComparer.Ordinal))
                await console.Out.WriteLineAsync(group.GroupId);
            return 0;
        });
        return command;
    }

    private static Command Describe(CliConsole console)
    {
        var bootstrap = SharedOptions.Bootstrap();
        var security = new KafkaSecurityOptions();
        var groupArg = new Argument<string>("group") { Description = "Group id" };
        var command = new Command("describe", "Show a group's state, members and lag per partition") { groupArg, bootstrap };
        security.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            string groupId = result.GetValue(groupArg)!;
            await using var admin = TopicsCommand.NewAdmin(result, bootstrap, security);
            var missing = new List<string>();
            var description = await SharedOptions.PartAsync<GroupDescription?>("members and state (DescribeGroups)", async () => await admin.DescribeGroupAsync(groupId, ct), null, missing);
            IReadOnlyDictionary<TopicPartition, long> noOffsets = new Dictionary<TopicPartition, long>();
            var committed = await SharedOptions.PartAsync("committed offsets (OffsetFetch)", () => admin.ListGroupOffsetsAsync(groupId, null, ct), noOffsets, missing);
            var members = description?.Members ?? [];
            var topics = members.SelectMany(m => m.Assignment).Select(p => p.Topic)
                .Concat(committed.Keys.Select(p => p.Topic)).Distinct().ToList();
            IReadOnlyList<PartitionLag> noLags = [];
            var lags = topics.Count == 0 ? noLags : await SharedOptions.PartAsync("lag (OffsetFetch/ListOffsets)", () => admin.GetGroupLagAsync(groupId, topics, ct), noLags, missing);
            if (description is null && lags.Count == 0 && committed.Count == 0)
                throw new CliException($"consumer group '{groupId}' could not be described: {string.Join("; ", missing)}");
            if (description?.State == "Dead" && lags.Count == 0)
                throw new CliException($"consumer group '{groupId}' does not exist");

            var owners = new Dictionary<TopicPartition, GroupMemberDescription>();
            foreach (var member in members)
            {
                foreach (var partition in member.Assignment)
                    owners[partition] = member;
            }
            await console.Out.WriteLineAsync($"GROUP {groupId}  STATE {description?.State ?? "unknown"}  MEMBERS {(description is null ? "unknown" : members.Count)}");
            if (description is not null && members.Count == 0)
                await console.Out.WriteLineAsync($"Consumer group '{groupId}' has no active members.");

            var table = new Table().Border(TableBorder.None)
                .AddColumns("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID");
            foreach (var lag in lags)
            {
                owners.TryGetValue(new TopicPartition(lag.Topic, lag.Partition), out var owner);
                table.AddRow(TopicsCommand.Cells(groupId, lag.Topic, lag.Partition.ToString(),
                    lag.CommittedOffset < 0 ? "-" : lag.CommittedOffset.ToString(),
                    lag.EndOffset < 0 ? "-" : lag.EndOffset.ToString(),
                    lag.CommittedOffset < 0 ? "-" : lag.Lag.ToString(),
                    owner?.MemberId ?? "-", owner?.ClientHost ?? "-", owner?.ClientId ?? "-"));
            }
            console.Tables.Write(table);
            return await SharedOptions.ReportMissingAsync(console, missing);
        });
        return command;
    }
}
