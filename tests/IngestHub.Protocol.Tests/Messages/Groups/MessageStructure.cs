using IngestHub.Protocol.Messages;
using System.Collections;
using System.Reflection;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages.Groups;

/// <summary>Compares decoded messages field by field (byte fields by content) and finds fields left at their defaults.</summary>
internal static class MessageStructure
{
    public static void AssertEqual(object? expected, object? actual, string path = "message")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }
        if (expected is ReadOnlyMemory<byte> expectedBytes)
        {
            Assert.True(actual is ReadOnlyMemory<byte>, $"{path}: expected bytes, got {actual.GetType()}");
            Assert.True(expectedBytes.Span.SequenceEqual(((ReadOnlyMemory<byte>)actual).Span),
                $"{path}: expected {Convert.ToHexString(expectedBytes.Span)}, got {Convert.ToHexString(((ReadOnlyMemory<byte>)actual).Span)}");
            return;
        }
        if (expected is IList expectedList)
        {
            var actualList = Assert.IsAssignableFrom<IList>(actual);
            Assert.True(expectedList.Count == actualList.Count, $"{path}: expected {expectedList.Count} elements, got {actualList.Count}");
            for (int i = 0; i < expectedList.Count; i++)
                AssertEqual(expectedList[i], actualList[i], $"{path}[{i}]");
            return;
        }
        if (IsMessageClass(expected.GetType()))
        {
            Assert.Equal(expected.GetType(), actual.GetType());
            foreach (var property in Properties(expected.GetType()))
                AssertEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            return;
        }
        Assert.True(expected.Equals(actual), $"{path}: expected {Show(expected)}, got {Show(actual)}");
    }

    /// <summary>Adds "Type.Property" for each field of <paramref name="message"/> (recursively) holding a non-default value.</summary>
    public static void CollectSetFields(object message, HashSet<string> set)
    {
        var type = message.GetType();
        var fresh = Activator.CreateInstance(type);
        foreach (var property in Properties(type))
        {
            object? value = property.GetValue(message);
            if (value is IList list)
            {
                foreach (object? element in list)
                {
                    if (element is not null && IsMessageClass(element.GetType()))
                        CollectSetFields(element, set);
                }
            }
            if (!IsDefault(value, property.GetValue(fresh)))
                set.Add($"{type.Name}.{property.Name}");
        }
    }

    /// <summary>Every "Type.Property" reachable from <paramref name="type"/> that its declaration gives some version
    /// in <paramref name="minVersion"/>..<paramref name="maxVersion"/>.</summary>
    public static void CollectAllFields(Type type, HashSet<string> all, short minVersion, short maxVersion)
    {
        var declared = DeclaredStructs.Value[type];
        foreach (var property in Properties(type))
        {
            var field = declared.Fields.First(f => f.Name == property.Name);
            if (field.Until < minVersion || field.Since > maxVersion)
                continue;
            all.Add($"{type.Name}.{property.Name}");
            var propertyType = property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                var element = propertyType.GetGenericArguments()[0];
                if (IsMessageClass(element))
                    CollectAllFields(element, all, minVersion, maxVersion);
            }
        }
    }

    private static readonly Lazy<Dictionary<Type, StructDescriptor>> DeclaredStructs = new(() =>
    {
        var structs = new Dictionary<Type, StructDescriptor>();
        void Add(StructDescriptor s)
        {
            if (!structs.TryAdd(s.Type, s))
                return;
            foreach (var f in s.Fields)
                if (f.Struct is not null)
                    Add(f.Struct);
        }
        foreach (var message in MessageCatalog.Messages)
            Add(message.Body);
        return structs;
    });

    private static bool IsDefault(object? value, object? freshValue) => value switch
    {
        null => true,
        string s => s.Length == 0 || s == (string?)freshValue,
        ReadOnlyMemory<byte> bytes => bytes.IsEmpty,
        IList list => list.Count == 0,
        bool b => !b,
        Enum e => Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture) == 0,
        _ => value.Equals(Activator.CreateInstance(value.GetType())) || value.Equals(freshValue),
    };

    private static bool IsMessageClass(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("IngestHub.Protocol.Messages", StringComparison.Ordinal) == true;

    private static PropertyInfo[] Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance);

    private static string Show(object? value) => value is null ? "null" : $"'{value}'";
}
