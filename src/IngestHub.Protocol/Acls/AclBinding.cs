namespace IngestHub.Protocol.Acls;

/// <summary>One ACL: who (<see cref="Principal"/>, <c>User:*</c> for anyone) from where (<see cref="Host"/>, <c>*</c> for
/// anywhere) may or may not do <see cref="Operation"/> on the resources matched by type, name and pattern type.</summary>
public sealed record AclBinding(
    AclResourceType ResourceType,
    string ResourceName,
    AclPatternType PatternType,
    string Principal,
    string Host,
    AclOperation Operation,
    AclPermissionType Permission)
{
    /// <summary>The name of the one cluster resource.</summary>
    public const string ClusterResourceName = "kafka-cluster";
    /// <summary>A literal resource name, principal name or host matching every one.</summary>
    public const string Wildcard = "*";

    /// <summary>Why this binding cannot be stored (a filter value, an unknown enum, a bad principal), or null.</summary>
    public string? Validate()
    {
        if (ResourceType is not (AclResourceType.Topic or AclResourceType.Group or AclResourceType.Cluster or AclResourceType.TransactionalId))
            return $"resource type {ResourceType} is not a concrete resource type";
        if (PatternType is not (AclPatternType.Literal or AclPatternType.Prefixed))
            return $"pattern type {PatternType} is not LITERAL or PREFIXED";
        if (string.IsNullOrEmpty(ResourceName))
            return "resource name is empty";
        if (ResourceType == AclResourceType.Cluster && (ResourceName != ClusterResourceName || PatternType != AclPatternType.Literal))
            return $"the cluster resource is the literal name '{ClusterResourceName}'";
        if (Operation is AclOperation.Unknown or AclOperation.Any || !Enum.IsDefined(Operation))
            return $"operation {Operation} is not a concrete operation";
        if (Permission is not (AclPermissionType.Allow or AclPermissionType.Deny))
            return $"permission type {Permission} is not ALLOW or DENY";
        int colon = Principal?.IndexOf(':') ?? -1;
        if (colon <= 0 || colon == Principal!.Length - 1)
            return $"principal '{Principal}' is not of the form Type:name (User:alice, User:*)";
        if (string.IsNullOrEmpty(Host))
            return "host is empty (use * for every host)";
        return null;
    }

    public override string ToString() =>
        $"{Permission} {Principal} from {Host} {Operation} on {ResourceType}:{PatternType}:{ResourceName}";
}

/// <summary>Selects ACLs as DescribeAcls and DeleteAcls do: <c>Any</c> values and null strings match everything;
/// pattern type <see cref="AclPatternType.Match"/> selects every binding that applies to the named resource.</summary>
public sealed record AclBindingFilter(
    AclResourceType ResourceType,
    string? ResourceName,
    AclPatternType PatternType,
    string? Principal,
    string? Host,
    AclOperation Operation,
    AclPermissionType Permission)
{
    /// <summary>Every ACL.</summary>
    public static AclBindingFilter Everything { get; } = new(AclResourceType.Any, null, AclPatternType.Any, null, null, AclOperation.Any, AclPermissionType.Any);

    /// <summary>Why this filter cannot be used (unknown values), or null.</summary>
    public string? Validate()
    {
        if (ResourceType == AclResourceType.Unknown || !Enum.IsDefined(ResourceType))
            return $"resource type filter {(sbyte)ResourceType} is unknown";
        if (PatternType == AclPatternType.Unknown || !Enum.IsDefined(PatternType))
            return $"pattern type filter {(sbyte)PatternType} is unknown";
        if (Operation == AclOperation.Unknown || !Enum.IsDefined(Operation))
            return $"operation filter {(sbyte)Operation} is unknown";
        if (Permission == AclPermissionType.Unknown || !Enum.IsDefined(Permission))
            return $"permission type filter {(sbyte)Permission} is unknown";
        return null;
    }

    public bool Matches(AclBinding acl)
    {
        if (ResourceType != AclResourceType.Any && ResourceType != acl.ResourceType)
            return false;
        if (Principal is not null && Principal != acl.Principal)
            return false;
        if (Host is not null && Host != acl.Host)
            return false;
        if (Operation != AclOperation.Any && Operation != acl.Operation)
            return false;
        if (Permission != AclPermissionType.Any && Permission != acl.Permission)
            return false;
        return PatternType switch
        {
            AclPatternType.Any => ResourceName is null || ResourceName == acl.ResourceName,
            AclPatternType.Match => ResourceName is null
                ? true
                : acl.PatternType == AclPatternType.Literal
                    ? acl.ResourceName == ResourceName || acl.ResourceName == AclBinding.Wildcard
                    : ResourceName.StartsWith(acl.ResourceName, StringComparison.Ordinal),
            _ => acl.PatternType == PatternType && (ResourceName is null || ResourceName == acl.ResourceName),
        };
    }
}
