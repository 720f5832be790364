using System.Collections.Concurrent;
using System.Globalization;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>Acknowledged records survive the server process being killed or stopped and started on the same data directory.</summary>
public sealed class DurabilityTests
{
    private const int RecordsPerInvocation = 50;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_acknowledged_with_acks_all_survive_sigkill_and_restart()
    {
        await using var server = await ServerProcess.StartAsync("--fsync-on-acks-all", "true");
        const string topic = "durable";
        var acknowledged = new ConcurrentQueue<string>();
        var attempted = new ConcurrentQueue<string>();
        int failedInvocations = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        // One kcat per batch: kcat -P exits 0 only when every record of the batch was acknowledged.
        var producing = Task.Run(async () =>
        {
            for (int batch = 0; batch < 400 && !stop.IsCancellationRequested; batch++)
            {
                bool wasRunning = server.IsRunning;
                var keys = Enumerable.Range(0, RecordsPerInvocation).Select(i => $"b{batch:D4}-r{i:D2}").ToList();
                keys.ForEach(attempted.Enqueue);
                var result = await Kcat.RunAsync(
                    ["-P", "-b", server.BootstrapServers, "-t", topic, "-K:", "-m", "5",
                     "-X", "acks=all", "-X", "message.timeout.ms=5000"],
                    string.Concat(keys.Select(k => $"{k}:value-of-{k}\n")), TimeSpan.FromSeconds(30), stop.Token);
                if (result.Succeeded)
                    keys.ForEach(acknowledged.Enqueue);
                else
                    Interlocked.Increment(ref failedInvocations);
                if (!wasRunning)
                    return; // The invocation that met the dead server was the last one.
            }
        }, CancellationToken.None);

        try
        {
            await Polling.Eventually(() => acknowledged.Count >= 20 * RecordsPerInvocation || producing.IsCompleted,
                TimeSpan.FromSeconds(60), "kcat should get twenty batches acknowledged");
        }
        catch
        {
            await stop.CancelAsync();
            throw new InvalidOperationException($"{acknowledged.Count} acknowledged, {failedInvocations} kcat runs failed\n{server.Output}");
        }
        Assert.False(producing.IsFaulted, producing.Exception?.ToString());
        server.Kill();
        int port = server.KafkaPort;
        await producing.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(acknowledged.Count >= 20 * RecordsPerInvocation, $"only {acknowledged.Count} acknowledged\n{server.Output}");
        Assert.True(failedInvocations >= 1, "a producer running into the killed server should fail");

        await server.StartAsync();
        Assert.Equal(port, server.KafkaPort);

        var consume = await Kcat.ConsumeAllAsync(server.BootstrapServers, topic, ConsumedRecord.KcatFormat, cancellationToken: Ct);
        Assert.True(consume.Succeeded, consume.Describe() + server.Output);
        var records = ConsumedRecord.ParseAll(consume.StdOut);
        var present = records.Select(r => r.Key).ToHashSet();
        var missing = acknowledged.Where(k => !present.Contains(k)).ToList();
        Assert.True(missing.Count == 0,
            $"{missing.Count} of {acknowledged.Count} acknowledged records missing after restart, e.g. {string.Join(", ", missing.Take(5))}\n{server.Output}");

        // Nothing that was never sent, and no torn values.
        var sent = attempted.ToHashSet();
        Assert.All(records, r => Assert.Contains(r.Key, sent));
        Assert.All(records, r => Assert.Equal("value-of-" + r.Key, r.Value));
        foreach (var partition in records.GroupBy(r => r.Partition))
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset).Order());
    }

    [Fact]
    public async Task Records_survive_sigterm_and_restart_and_the_server_exits_promptly()
    {
        await using var server = await ServerProcess.StartAsync();
        const string topic = "graceful";
        const int count = 1000;
        string input = string.Concat(Enumerable.Range(0, count).Select(i => $"k{i.ToString(CultureInfo.InvariantCulture)}:v{i}\n"));
        var produce = await Kcat.RunAsync(["-P", "-b", server.BootstrapServers, "-t", topic, "-K:", "-m", "10", "-X", "acks=all"], input,
            cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe() + server.Output);

        await server.StopAsync(TimeSpan.FromSeconds(15));
        Assert.False(server.IsRunning);
        await server.StartAsync();

        var consume = await Kcat.ConsumeAllAsync(server.BootstrapServers, topic, ConsumedRecord.KcatFormat, cancellationToken: Ct);
        Assert.True(consume.Succeeded, consume.Describe() + server.Output);
        var records = ConsumedRecord.ParseAll(consume.StdOut);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"k{i}").Order(), records.Select(r => r.Key).Order());
        Assert.All(records, r => Assert.Equal("v" + r.Key[1..], r.Value));
    }
}
