using System.CommandLine;
using IngestHub.Client;
using IngestHub.Protocol.Acls;
using Spectre.Console;

namespace IngestHub.Cli.Commands;

/// <summary>
/// <c>ingesthub acls add|list|delete</c>: the broker's ACLs, managed over the wire (CreateAcls, DescribeAcls,
/// DeleteAcls), so the connecting principal needs ALTER (add, delete) or DESCRIBE (list) on the cluster, or to be
/// a super user. The security options choose how to connect (e.g. SASL_PLAINTEXT with PLAIN as an admin user).
/// </summary>
public static class AclsCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("acls", "Add, list and delete ACLs (the broker needs broker:AuthorizerEnabled=true)");
        command.Subcommands.Add(Add(console));
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Delete(console));
        return command;
    }

    /// <summary>The options every subcommand shares: where to connect and as whom, and which resource.</summary>
    private sealed class Common
    {
        public Option<string> Bootstrap { get; } = SharedOptions.Bootstrap();
        public KafkaSecurityOptions Security { get; } = new();
        public Option<string?> Topic { get; } = new("--topic") { Description = "A topic (or a topic name prefix with --resource-pattern-type prefixed; * for every topic)" };
        public Option<string?> Group { get; } = new("--group") { Description = "A consumer group (or prefix; * for every group)" };
        public Option<string?> TransactionalId { get; } = new("--transactional-id") { Description = "A transactional id (or prefix; * for every one)" };
        public Option<bool> Cluster { get; } = new("--cluster") { Description = "The cluster resource" };
        public Option<string?> Principal { get; } = new("--principal") { Description = "Principal, e.g. User:alice, or User:* for everyone" };
        public Option<string?> Host { get; } = new("--host") { Description = "Client address the ACL applies to (* for any)" };
        public Option<string[]> Operations { get; } = new("--operation") { Description = "read, write, create, delete, alter, describe, describe-configs, alter-configs, cluster-action, idempotent-write or all (repeatable)" };
        public Option<bool> Deny { get; } = new("--deny") { Description = "A DENY ACL (ALLOW otherwise); deny wins over allow" };

        public void AddTo(Command command)
        {
            foreach (var option in (Option[])[Bootstrap, .. Security.All, Topic, Group, TransactionalId, Cluster, Principal, Host, Operations, Deny])
                command.Options.Add(option);
        }

        public KafkaAdminClient NewAdmin(ParseResult result)
        {
            return new KafkaAdminClient(SharedOptions.Configure(new ClientOptions(), result.GetValue(Bootstrap)!, Security.Resolve(result)));
        }

        /// <summary>The one resource named (type and name), or (Any, null) when none is and <paramref name="required"/> is false.</summary>
        public (AclResourceType Type, string? Name) Resource(ParseResult result, bool required)
        {
            var named = new List<(AclResourceType, string?)>();
            if (result.GetValue(Topic) is { } topic)
                named.Add((AclResourceType.Topic, topic));
            if (result.GetValue(Group) is { } group)
                named.Add((AclResourceType.Group, group));
            if (result.GetValue(TransactionalId) is { } id)
                named.Add((AclResourceType.TransactionalId, id));
            if (result.GetValue(Cluster))
                named.Add((AclResourceType.Cluster, AclBinding.ClusterResourceName));
            if (named.Count > 1)
                throw new CliException("name one resource: --topic, --group, --transactional-id or --cluster", 2);
            if (named.Count == 0 && required)
                throw new CliException("a resource is needed: --topic, --group, --transactional-id or --cluster", 2);
            return named.Count == 0 ? (AclResourceType.Any, null) : named[0];
        }

        public List<AclOperation> ParseOperations(ParseResult result)
        {
            try
            {
                return [.. (result.GetValue(Operations) ?? []).Select(AclNames.ParseOperation)];
            }
            catch (FormatException ex)
            {
                throw new CliException(ex.Message, 2);
            }
        }
    }

    private static Option<string> PatternType(string defaultValue, string description) => new("--resource-pattern-type")
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };

    private static AclPatternType ParsePattern(string value)
    {
        try
        {
            return AclNames.ParsePatternType(value);
        }
        catch (FormatException ex)
        {
            throw new CliException(ex.Message, 2);
        }
    }

    private static Command Add(CliConsole console)
    {
        var common = new Common();
        var pattern = PatternType("literal", "literal (the name, or * for all) or prefixed");
        var command = new Command("add", "Allow (or with --deny, deny) operations on a resource to a principal");
        common.AddTo(command);
        command.Options.Add(pattern);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            var (type, name) = common.Resource(result, required: true);
            string principal = result.GetValue(common.Principal) ?? throw new CliException("--principal is needed (e.g. User:alice)", 2);
            var operations = common.ParseOperations(result);
            if (operations.Count == 0)
                throw new CliException("--operation is needed", 2);
            var patternType = ParsePattern(result.GetValue(pattern)!);
            var permission = result.GetValue(common.Deny) ? AclPermissionType.Deny : AclPermissionType.Allow;
            var acls = operations.Select(o => new AclBinding(type, name!, patternType, principal, result.GetValue(common.Host) ?? AclBinding.Wildcard, o, permission)).ToList();
            foreach (var acl in acls)
                if (acl.Validate() is { } invalid)
                    throw new CliException(invalid, 2);
            await using var admin = common.NewAdmin(result);
            await admin.CreateAclsAsync(acls, ct);
            foreach (var acl in acls)
                await console.Out.WriteLineAsync($"Added: {Describe(acl)}");
            return 0;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var common = new Common();
        var pattern = PatternType("any", "any (the ACLs stored under the name), match (every ACL that applies to the name), literal or prefixed");
        var command = new Command("list", "List ACLs, all or those matching the options");
        common.AddTo(command);
        command.Options.Add(pattern);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            var filter = Filter(common, result, ParsePattern(result.GetValue(pattern)!));
            await using var admin = common.NewAdmin(result);
            var acls = await admin.DescribeAclsAsync(filter, ct);
            var table = console.NewTable().AddColumns("RESOURCE-TYPE", "PATTERN", "NAME", "PRINCIPAL", "HOST", "OPERATION", "PERMISSION");
            foreach (var acl in acls.OrderBy(a => a.ResourceType).ThenBy(a => a.ResourceName, StringComparer.Ordinal).ThenBy(a => a.Principal, StringComparer.Ordinal).ThenBy(a => a.Operation))
                table.AddRow(TopicsCommand.Cells(AclNames.Format(acl.ResourceType), AclNames.Format(acl.PatternType), acl.ResourceName, acl.Principal,
                    acl.Host, AclNames.Format(acl.Operation), AclNames.Format(acl.Permission)));
            console.Tables.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Delete(CliConsole console)
    {
        var common = new Common();
        var pattern = PatternType("literal", "literal, prefixed, or any (both)");
        var command = new Command("delete", "Delete the ACLs matching the options (a resource or --principal is needed)");
        common.AddTo(command);
        command.Options.Add(pattern);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            var filter = Filter(common, result, ParsePattern(result.GetValue(pattern)!));
            if (filter.ResourceType == AclResourceType.Any && filter.Principal is null)
                throw new CliException("name a resource (--topic, --group, --transactional-id, --cluster) or --principal; refusing to delete every ACL", 2);
            await using var admin = common.NewAdmin(result);
            var deleted = await admin.DeleteAclsAsync([filter], ct);
            foreach (var acl in deleted)
                await console.Out.WriteLineAsync($"Deleted: {Describe(acl)}");
            await console.Out.WriteLineAsync($"{deleted.Count} ACL(s) deleted.");
            return 0;
        });
        return command;
    }

    private static AclBindingFilter Filter(Common common, ParseResult result, AclPatternType pattern)
    {
        var (type, name) = common.Resource(result, required: false);
        var operations = common.ParseOperations(result);
        if (operations.Count > 1)
            throw new CliException("give at most one --operation to list or delete", 2);
        var permission = result.GetValue(common.Deny) ? AclPermissionType.Deny : AclPermissionType.Any;
        return new AclBindingFilter(type, name, pattern, result.GetValue(common.Principal), result.GetValue(common.Host),
            operations.Count == 0 ? AclOperation.Any : operations[0], permission);
    }

    private static string Describe(AclBinding acl) =>
        $"{AclNames.Format(acl.Permission)} {acl.Principal} from {acl.Host} {AclNames.Format(acl.Operation)} on {AclNames.Format(acl.ResourceType)} {AclNames.Format(acl.PatternType)} '{acl.ResourceName}'";
}
