using System.Diagnostics;
using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline instead of sleeping and hoping.</summary>
public static class Polling
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(50);

    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string? because = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
                return;
            if (stopwatch.Elapsed > timeout)
                Assert.Fail($"condition not met within {timeout.TotalSeconds:F1}s{(because is null ? "" : ": " + because)}");
            await Task.Delay(s_interval, CancellationToken.None);
        }
    }

    public static Task Eventually(Func<bool> condition, TimeSpan timeout, string? because = null) =>
        Eventually(() => Task.FromResult(condition()), timeout, because);
}
