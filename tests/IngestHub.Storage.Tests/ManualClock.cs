namespace IngestHub.Storage.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(long startMs) : TimeProvider
{
    public long NowMs { get; set; } = startMs;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);
}
