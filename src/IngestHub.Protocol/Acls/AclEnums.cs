namespace IngestHub.Protocol.Acls;

/// <summary>Kafka's ACL resource types (wire values of CreateAcls, DescribeAcls and DeleteAcls).</summary>
public enum AclResourceType : sbyte
{
    Unknown = 0,
    /// <summary>In a filter: every resource type.</summary>
    Any = 1,
    Topic = 2,
    Group = 3,
    Cluster = 4,
    TransactionalId = 5,
}

/// <summary>How an ACL's resource name is matched.</summary>
public enum AclPatternType : sbyte
{
    Unknown = 0,
    /// <summary>In a filter: every pattern type.</summary>
    Any = 1,
    /// <summary>In a filter: every binding that applies to the named resource (literal, wildcard and prefixes).</summary>
    Match = 2,
    /// <summary>The name itself, or <c>*</c> for every resource of the type.</summary>
    Literal = 3,
    /// <summary>Every resource whose name starts with the pattern.</summary>
    Prefixed = 4,
}

/// <summary>Kafka's ACL operations.</summary>
public enum AclOperation : sbyte
{
    Unknown = 0,
    /// <summary>In a filter: every operation.</summary>
    Any = 1,
    All = 2,
    Read = 3,
    Write = 4,
    Create = 5,
    Delete = 6,
    Alter = 7,
    Describe = 8,
    ClusterAction = 9,
    DescribeConfigs = 10,
    AlterConfigs = 11,
    IdempotentWrite = 12,
}

/// <summary>Whether an ACL allows or denies.</summary>
public enum AclPermissionType : sbyte
{
    Unknown = 0,
    /// <summary>In a filter: both.</summary>
    Any = 1,
    Deny = 2,
    Allow = 3,
}
