using System.Text;

namespace IngestHub.Protocol.Acls;

/// <summary>Names of the ACL enums in files and on the command line: lower-case with dashes
/// (<c>transactional-id</c>, <c>describe-configs</c>). Parsing also takes Kafka's spellings
/// (<c>TRANSACTIONAL_ID</c>, <c>DescribeConfigs</c>).</summary>
public static class AclNames
{
    public static string Format(AclResourceType value) => Kebab(value.ToString());
    public static string Format(AclPatternType value) => Kebab(value.ToString());
    public static string Format(AclOperation value) => Kebab(value.ToString());
    public static string Format(AclPermissionType value) => Kebab(value.ToString());

    public static AclResourceType ParseResourceType(string text) => Parse<AclResourceType>(text, "resource type");
    public static AclPatternType ParsePatternType(string text) => Parse<AclPatternType>(text, "pattern type");
    public static AclOperation ParseOperation(string text) => Parse<AclOperation>(text, "operation");
    public static AclPermissionType ParsePermission(string text) => Parse<AclPermissionType>(text, "permission type");

    private static T Parse<T>(string text, string what) where T : struct, Enum
    {
        string wanted = Normalize(text);
        foreach (var value in Enum.GetValues<T>())
        {
            if (!value.Equals(default(T)) && Normalize(value.ToString()) == wanted)
                return value;
        }
        var names = Enum.GetValues<T>().Where(v => !v.Equals(default(T))).Select(v => Kebab(v.ToString()));
        throw new FormatException($"unknown {what} '{text}' (one of {string.Join(", ", names)})");
    }

    private static string Normalize(string text) => text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static string Kebab(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
                builder.Append('-');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }
}
