using IngestHub.Broker.Network;
using IngestHub.Protocol.Acls;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Security;

/// <summary>
/// Kafka's ACL authorizer. A request is allowed when the principal is a super user; otherwise the ACLs that apply
/// to the resource (literal name, literal <c>*</c>, and every prefix pattern the name starts with) decide: with none,
/// <c>allow.everyone.if.no.acl.found</c>; a matching DENY wins over any ALLOW; else a matching ALLOW is needed.
/// An ACL matches when its principal is the client's or <c>User:*</c>, its host the client's address or <c>*</c>, and
/// its operation the one asked for or ALL, or one that implies it (READ, WRITE, DELETE and ALTER imply DESCRIBE;
/// ALTER_CONFIGS implies DESCRIBE_CONFIGS; implication applies to ALLOW only, as in Kafka).
/// When disabled (the default) everything is allowed.
/// </summary>
public sealed class Authorizer
{
    /// <summary>Allows everything (the broker without <c>authorizer.enable</c>, and handler tests).</summary>
    public static Authorizer AllowAll { get; } = new(null, false, [], false, null);

    private readonly HashSet<string> _superUsers;
    private readonly bool _allowIfNoAcl;
    private readonly ILogger? _logger;

    public Authorizer(AclStore? store, bool enabled, IEnumerable<string> superUsers, bool allowEveryoneIfNoAclFound, ILogger? logger)
    {
        Store = store;
        Enabled = enabled;
        _superUsers = new HashSet<string>(superUsers, StringComparer.Ordinal);
        _allowIfNoAcl = allowEveryoneIfNoAclFound;
        _logger = logger;
    }

    public bool Enabled { get; }
    /// <summary>The ACLs (null only for <see cref="AllowAll"/>).</summary>
    public AclStore? Store { get; }

    /// <summary>Parses <c>super.users</c>: principals separated by semicolons (<c>User:admin;User:ops</c>).</summary>
    public static IReadOnlyList<string> ParseSuperUsers(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>Whether the connection's principal, from its address, may do <paramref name="operation"/> on the
    /// resource. A denial is logged unless <paramref name="logDenial"/> is false (checks that only filter, such as
    /// the topic list of Metadata).</summary>
    public bool IsAllowed(ConnectionContext connection, AclOperation operation, AclResourceType type, string name, bool logDenial = true) =>
        IsAllowed(connection.Principal, HostOf(connection), operation, type, name, logDenial);

    public bool IsAllowed(string principal, string host, AclOperation operation, AclResourceType type, string name, bool logDenial = true)
    {
        if (!Enabled)
            return true;
        bool allowed = Decide(principal, host, operation, type, name);
        if (!allowed && logDenial)
            _logger?.LogInformation("Principal = {Principal} is Denied operation = {Operation} from host = {Host} on resource = {Type}:{Name}",
                principal, AclNames.Format(operation), host, AclNames.Format(type), name);
        return allowed;
    }

    private static string HostOf(ConnectionContext connection)
    {
        var address = connection.Remote?.Address;
        if (address is null)
            return "";
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    private bool Decide(string principal, string host, AclOperation operation, AclResourceType type, string name)
    {
        if (_superUsers.Contains(principal))
            return true;
        var applying = new List<AclBinding>();
        foreach (var acl in Store!.All)
        {
            if (acl.ResourceType == type && AppliesTo(acl, name))
                applying.Add(acl);
        }
        if (applying.Count == 0)
            return _allowIfNoAcl;
        foreach (var acl in applying)
        {
            if (acl.Permission == AclPermissionType.Deny && Matches(acl, principal, host) && (acl.Operation == operation || acl.Operation == AclOperation.All))
                return false;
        }
        foreach (var acl in applying)
        {
            if (acl.Permission == AclPermissionType.Allow && Matches(acl, principal, host) && Grants(acl.Operation, operation))
                return true;
        }
        return false;
    }

    private static bool AppliesTo(AclBinding acl, string name) => acl.PatternType == AclPatternType.Literal
        ? acl.ResourceName == name || acl.ResourceName == AclBinding.Wildcard
        : name.StartsWith(acl.ResourceName, StringComparison.Ordinal);

    private static bool Matches(AclBinding acl, string principal, string host) =>
        (acl.Principal == principal || acl.Principal == "User:*")
        && (acl.Host == AclBinding.Wildcard || acl.Host == host);

    private static bool Grants(AclOperation granted, AclOperation wanted) =>
        granted == wanted || granted == AclOperation.All || wanted switch
        {
            AclOperation.Describe => granted is AclOperation.Read or AclOperation.Write or AclOperation.Delete or AclOperation.Alter,
            AclOperation.DescribeConfigs => granted is AclOperation.AlterConfigs,
            _ => false,
        };
}
