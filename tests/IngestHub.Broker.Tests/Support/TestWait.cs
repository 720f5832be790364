using Xunit;

namespace IngestHub.Broker.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes.</summary>
public static class TestWait
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string? because = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"condition not met within {timeout}" + (because is null ? "" : ": " + because));
            await Task.Delay(20);
        }
    }
}
