namespace IngestHub.Streams.Tests;

/// <summary>The tests that push hundreds of thousands of records run one at a time, not against each other.</summary>
[CollectionDefinition(Name)]
public sealed class HeavyTests
{
    public const string Name = "heavy";
}
