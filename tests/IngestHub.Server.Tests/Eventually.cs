namespace IngestHub.Server.Tests;

internal static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it returns a value accepted by <paramref name="done"/>.</summary>
    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not true within {timeout}: {what}; last value: {value}");
            await Task.Delay(100);
        }
    }
}
