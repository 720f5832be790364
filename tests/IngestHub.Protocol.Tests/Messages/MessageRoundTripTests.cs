using System.Collections;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

public sealed class MessageRoundTripTests
{
    public static TheoryData<string, short> EveryVersion()
    {
        var data = new TheoryData<string, short>();
        foreach (var (name, version) in MessageSamples.EveryVersion())
            data.Add(name, version);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryVersion))]
    public void Sample_round_trips_with_every_field_of_the_version(string message, short version)
    {
        var c = MessageSamples.Find(message);
        var sample = c.Sample(version, false);
        byte[] bytes = c.Encode(sample, version);

        var (decoded, consumed) = c.Decode(bytes, version);

        Assert.Equal(bytes.Length, consumed);
        Structural.AssertEqual(sample, decoded);
        Assert.Equal(bytes, c.Encode(decoded, version));
    }

    [Theory]
    [MemberData(nameof(EveryVersion))]
    public void Fields_the_version_lacks_are_skipped_when_writing(string message, short version)
    {
        var c = MessageSamples.Find(message);

        byte[] everyField = c.Encode(c.Sample(version, true), version);
        byte[] versionFields = c.Encode(c.Sample(version, false), version);

        Assert.Equal(versionFields, everyField);
    }

    [Theory]
    [MemberData(nameof(EveryVersion))]
    public void Smallest_elements_round_trip(string message, short version)
    {
        // Empty strings and empty arrays are the smallest encodings: they prove each array's minimum element
        // size (the guard against hostile counts) is not larger than a real element.
        var c = MessageSamples.Find(message);
        var minimal = c.Create();
        FillWithDefaultElements(minimal, depth: 0);
        byte[] bytes = c.Encode(minimal, version);

        var (decoded, consumed) = c.Decode(bytes, version);

        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(bytes, c.Encode(decoded, version));
    }

    [Fact]
    public void Structural_comparison_notices_a_nested_difference()
    {
        var a = MessageSamples.MetadataResponse(8, false);
        var b = MessageSamples.MetadataResponse(8, false);
        b.Topics[0].Partitions[0].IsrNodes.Add(9);

        Assert.ThrowsAny<Exception>(() => Structural.AssertEqual(a, b));
    }

    [Fact]
    public void Every_version_of_every_message_has_a_case()
    {
        int pairs = 0;
        foreach (var _ in MessageSamples.EveryVersion())
            pairs++;
        // 22 message types; ranges from the protocol table (e.g. Produce 0-8, Fetch 4-11, Metadata 0-8).
        Assert.Equal((4 + 9 + 6 + 8 + 6 + 5 + 4 + 2 + 4 + 2 + 2 + 3) * 2, pairs);
    }

    private static void FillWithDefaultElements(object message, int depth)
    {
        if (depth > 4)
            return;
        foreach (var property in message.GetType().GetProperties())
        {
            var type = property.PropertyType;
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(List<>) || !property.CanWrite)
                continue;
            var elementType = type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(type)!;
            object element = elementType == typeof(string) ? "" : Activator.CreateInstance(elementType)!;
            if (!elementType.IsValueType && elementType != typeof(string))
                FillWithDefaultElements(element, depth + 1);
            list.Add(element);
            property.SetValue(message, list);
        }
    }
}
