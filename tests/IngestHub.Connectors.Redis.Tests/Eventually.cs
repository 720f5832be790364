namespace IngestHub.Connectors.Redis.Tests;

internal static class Eventually
{
    /// <summary>Polls until the condition holds or the deadline passes (then fails with the message).</summary>
    public static async Task True(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not within {timeout.TotalSeconds:0.#} s: {message}");
            await Task.Delay(20);
        }
    }
}
