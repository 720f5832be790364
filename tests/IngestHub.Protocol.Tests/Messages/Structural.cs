using System.Collections;
using System.Reflection;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

/// <summary>Compares two message objects property by property (lists element-wise, bytes by content).</summary>
internal static class Structural
{
    public static void AssertEqual(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Describe(expected)}, got {Describe(actual)}");
            return;
        }
        switch (expected)
        {
            case ReadOnlyMemory<byte> bytes:
                Assert.True(actual is ReadOnlyMemory<byte> other && bytes.Span.SequenceEqual(other.Span), $"{path}: bytes differ");
                return;
            case RecordsPayload payload:
                Assert.True(actual is RecordsPayload otherPayload && Bytes(payload).AsSpan().SequenceEqual(Bytes(otherPayload)), $"{path}: records differ");
                return;
            case string or ValueType:
                Assert.True(expected.Equals(actual), $"{path}: expected {Describe(expected)}, got {Describe(actual)}");
                return;
            case IList list:
                var otherList = Assert.IsAssignableFrom<IList>(actual);
                Assert.True(list.Count == otherList.Count, $"{path}: expected {list.Count} elements, got {otherList.Count}");
                for (int i = 0; i < list.Count; i++)
                    AssertEqual(list[i], otherList[i], $"{path}[{i}]");
                return;
        }
        Assert.Equal(expected.GetType(), actual.GetType());
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
                continue;
            AssertEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }

    private static byte[] Bytes(RecordsPayload payload)
    {
        var bytes = new byte[payload.Length];
        payload.CopyTo(bytes);
        return bytes;
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? "?",
    };
}
