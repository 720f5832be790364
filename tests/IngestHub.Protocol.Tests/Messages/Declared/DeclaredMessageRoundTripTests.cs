using FsCheck;
using FsCheck.Fluent;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages.Declared;

/// <summary>Every declared message at every declared version: random messages built from the declaration encode,
/// decode to an equal message consuming every byte, and encode again to the same bytes.</summary>
public sealed class DeclaredMessageRoundTripTests
{
    public static TheoryData<string, short> EveryDeclaredVersion()
    {
        var data = new TheoryData<string, short>();
        foreach (var message in MessageCatalog.Messages)
            for (short v = message.MinVersion; v <= message.MaxVersion; v++)
                data.Add(message.Type.Name, v);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryDeclaredVersion))]
    public void Random_messages_round_trip(string message, short version)
    {
        var descriptor = MessageCatalog.Messages.Single(m => m.Type.Name == message);
        var codec = typeof(DeclaredMessageRoundTripTests).GetMethod(nameof(RoundTrip), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(descriptor.Type);
        Prop.ForAll(Arb.From(DeclaredMessageGen.For(descriptor, version)), sample =>
        {
            codec.Invoke(null, [sample, version]);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void Every_api_has_a_request_and_a_response_with_the_same_versions()
    {
        foreach (var group in MessageCatalog.Messages.Where(m => m.ApiKey is not null).GroupBy(m => m.ApiKey))
        {
            var kinds = group.Select(m => m.Kind).OrderBy(k => k).ToArray();
            Assert.Equal(["request", "response"], kinds);
            Assert.Single(group.Select(m => (m.MinVersion, m.MaxVersion, m.FirstFlexibleVersion)).Distinct());
        }
    }

    private static void RoundTrip<T>(T sample, short version) where T : IKafkaMessage<T>
    {
        byte[] bytes = MessageCodec.Encode(sample, version);
        var decoded = MessageCodec.Decode<T>(bytes, version, out int consumed);
        Assert.Equal(bytes.Length, consumed);
        Structural.AssertEqual(sample, decoded);
        Assert.Equal(bytes, MessageCodec.Encode(decoded, version));
    }
}
