using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Confluent.Kafka;
using IngestHub.Broker.Network;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Request frames captured from kcat and kafkajs (through a recording proxy the broker advertises), plus one
/// frame built with the project's codecs for every version of every API the broker serves, are mutated (bit
/// flips, truncation, overwritten length and count fields, huge varints, inserted garbage): 1,000,000 go through
/// the broker's request pipeline in-process and a bounded number over sockets. No handler may fail with anything
/// but a malformed-request close, memory stays bounded, and a Confluent.Kafka producer keeps working meanwhile.
/// </summary>
public sealed class MutationFuzzTests
{
    private const int InProcessFrames = 1_000_000;
    private const int SocketFrames = 5_000;
    private const int MaxSeeds = 3_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_million_mutated_frames_from_real_clients_do_not_crash_the_broker_or_grow_its_memory_and_a_client_keeps_working()
    {
        using var errors = new ErrorLog();
        using var proxy = new RecordingProxy();
        await using var appliance = await ApplianceHost.StartAsync(b => b.Logging.AddProvider(errors),
            "--advertised-host", "127.0.0.1", "--advertised-port", proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--broker:MaxBrokerPartitions=300", "--broker:AutoCreateTopicsEnable=false");
        var broker = appliance.Broker;
        int brokerPort = broker.Listeners[0].Port;
        proxy.Start(brokerPort);
        string viaProxy = $"127.0.0.1:{proxy.Port}";

        // Real clients through the proxy: their request frames are the seeds.
        await CaptureAsync(viaProxy);
        var seeds = proxy.Frames.ToList();
        Assert.True(seeds.Count >= 30, $"only {seeds.Count} frames captured");
        var capturedKeys = seeds.Select(f => BinaryPrimitives.ReadInt16BigEndian(f)).Distinct().Count();
        seeds.AddRange(BuiltFrames(broker.Dispatcher!));
        TestContext.Current.TestOutputHelper?.WriteLine($"{proxy.Frames.Count} captured frames ({capturedKeys} APIs), {seeds.Count} seeds in all");

        // A real client keeps producing while the mutated frames run.
        using var stop = new CancellationTokenSource();
        var producing = ProduceMeanwhileAsync($"127.0.0.1:{brokerPort}", stop.Token);

        long baselineHeap = HeapAfterCollect();
        long baselineWorkingSet = Environment.WorkingSet;
        long peakWorkingSet = baselineWorkingSet;
        var outcomes = new ConcurrentDictionary<string, long>();
        int abandoned = 0;
        var dispatcher = broker.Dispatcher!;
        var watch = Stopwatch.StartNew();
        const int Workers = 4;
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(1000 + w);
            var connection = new ConnectionContext(w, new IPEndPoint(IPAddress.Loopback, 40000 + w));
            for (int i = w; i < InProcessFrames; i += Workers)
            {
                byte[] frame = Mutator.Mutate(seeds[random.Next(seeds.Count)], random);
                using var output = new PooledBufferWriter();
                using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                var dispatch = dispatcher.DispatchAsync(connection, frame, output, timeout.Token).AsTask();
                string outcome;
                try
                {
                    outcome = (await dispatch.WaitAsync(TimeSpan.FromSeconds(2))).ToString();
                }
                catch (OperationCanceledException)
                {
                    outcome = "cancelled";
                }
                catch (TimeoutException)
                {
                    Interlocked.Increment(ref abandoned);
                    outcome = "abandoned";
                }
                outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                if (w == 0 && i % 50_000 == 0)
                    InterlockedMax(ref peakWorkingSet, Environment.WorkingSet);
            }
        }, Ct)).ToArray();
        await Task.WhenAll(workers);
        var inProcessTime = watch.Elapsed;

        // The socket pass: a bounded number of mutated frames over real connections, reconnecting after each close.
        int socketSent = await SocketPassAsync(brokerPort, seeds, SocketFrames);
        InterlockedMax(ref peakWorkingSet, Environment.WorkingSet);
        await stop.CancelAsync();
        var (delivered, failed) = await producing;
        long heap = HeapAfterCollect();

        string summary = $"{InProcessFrames:N0} in-process frames in {inProcessTime.TotalSeconds:F0} s ({string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value:N0}"))}), " +
            $"{socketSent:N0} over sockets; heap {baselineHeap >> 20} → {heap >> 20} MiB, working set {baselineWorkingSet >> 20} → peak {peakWorkingSet >> 20} MiB; " +
            $"producer {delivered} delivered, {failed} failed; {broker.Topics.Topics.Count} topics";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        Assert.True(errors.Count == 0, $"handlers failed on mutated input:\n{string.Join("\n", errors.First)}\n{summary}");
        Assert.True(abandoned <= 50, $"{abandoned} requests neither answered nor cancelled within 2 s\n{summary}");
        Assert.True(heap - baselineHeap < 256L << 20, $"managed heap grew by {(heap - baselineHeap) >> 20} MiB\n{summary}");
        Assert.True(peakWorkingSet - baselineWorkingSet < 1024L << 20, $"working set grew by {(peakWorkingSet - baselineWorkingSet) >> 20} MiB\n{summary}");
        Assert.True(delivered >= 20 && failed == 0, summary);

        // And real clients still work end to end afterwards.
        var list = await Kcat.RunAsync(["-L", "-b", $"127.0.0.1:{brokerPort}", "-m", "10"], cancellationToken: Ct);
        Assert.True(list.Succeeded, list.Describe());
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static long HeapAfterCollect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task CaptureAsync(string bootstrap)
    {
        const string topic = "fuzz-seed";
        var runs = new List<ProcessResult>
        {
            await Kcat.RunAsync(["-L", "-b", bootstrap, "-m", "10"], cancellationToken: Ct),
            await NodeScript.RunAsync("admin-ops.js", [bootstrap, "fuzz-admin", "fuzz-admin-group"], TimeSpan.FromSeconds(90), Ct),
            await NodeScript.RunAsync("admin-produce.js", [bootstrap, topic, "200"], TimeSpan.FromSeconds(90), Ct),
            await Kcat.RunAsync(["-P", "-b", bootstrap, "-t", topic, "-K:", "-z", "gzip", "-X", "acks=all", "-m", "10"],
                string.Concat(Enumerable.Range(0, 50).Select(i => $"k{i}:v{i}\n")), cancellationToken: Ct),
            await Kcat.RunAsync(["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-m", "10"], cancellationToken: Ct),
            await Kcat.RunAsync(["-Q", "-b", bootstrap, "-t", $"{topic}:0:1700000000000", "-m", "10"], cancellationToken: Ct),
        };
        // A kcat group member: JoinGroup, SyncGroup, Heartbeat, OffsetFetch, OffsetCommit, LeaveGroup.
        runs.Add(await Kcat.RunAsync(["-G", "fuzz-group", "-b", bootstrap, "-o", "beginning", "-e", topic], timeout: TimeSpan.FromSeconds(8), cancellationToken: Ct));
        foreach (var run in runs.Take(runs.Count - 1))
            Assert.True(run.Succeeded, run.Describe());
    }

    /// <summary>One frame per version of every API the broker serves, each a default request encoded by the codecs.</summary>
    private static IEnumerable<byte[]> BuiltFrames(RequestDispatcher dispatcher)
    {
        var write = typeof(MessageCodec).GetMethod(nameof(MessageCodec.WriteRequestFrame))!;
        foreach (var handler in dispatcher.Handlers)
        {
            var descriptor = MessageCatalog.Messages.FirstOrDefault(m => m.ApiKey == handler.ApiKey && m.Kind == "request");
            if (descriptor is null)
                continue;
            for (short version = handler.MinVersion; version <= handler.MaxVersion; version++)
            {
                byte[]? frame = null;
                try
                {
                    object body = Activator.CreateInstance(descriptor.Type)!;
                    using var output = new PooledBufferWriter();
                    var header = new RequestHeader { ApiKey = handler.ApiKey, ApiVersion = version, CorrelationId = version, ClientId = "fuzz" };
                    write.MakeGenericMethod(descriptor.Type).Invoke(null, [output, header, body]);
                    frame = output.WrittenSpan[4..].ToArray();
                }
                catch (Exception ex) when (ex is TargetInvocationException or MissingMethodException or ArgumentException)
                {
                }
                if (frame is not null)
                    yield return frame;
            }
        }
    }

    private static async Task<(int Delivered, int Failed)> ProduceMeanwhileAsync(string bootstrap, CancellationToken stop)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 30_000,
            AllowAutoCreateTopics = false,
        }).Build();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = "fuzz-live", NumPartitions = 1, ReplicationFactor = 1 }]);
        int delivered = 0, failed = 0;
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                await producer.ProduceAsync("fuzz-live", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" }, CancellationToken.None);
                delivered++;
            }
            catch (ProduceException<string, string>)
            {
                failed++;
            }
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return (delivered, failed);
    }

    private static async Task<int> SocketPassAsync(int port, List<byte[]> seeds, int count)
    {
        var random = new Random(77);
        int sent = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var buffer = new byte[64 * 1024];
        while (sent < count && DateTime.UtcNow < deadline)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port, Ct);
            try
            {
                // Up to 50 frames per connection, each answered, closed or timed out before the next.
                for (int i = 0; i < 50 && sent < count; i++)
                {
                    byte[] body = Mutator.Mutate(seeds[random.Next(seeds.Count)], random);
                    var frame = new byte[4 + body.Length];
                    BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
                    body.CopyTo(frame, 4);
                    await socket.SendAsync(frame, SocketFlags.None, Ct);
                    sent++;
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                    wait.CancelAfter(TimeSpan.FromMilliseconds(200));
                    int read = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                    if (read == 0)
                        break; // closed by the broker: a new connection
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !Ct.IsCancellationRequested)
            {
            }
        }
        return sent;
    }

    /// <summary>Mutations of one frame (request header onwards); the api key is kept most of the time.</summary>
    private static class Mutator
    {
        private static readonly uint[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x00FFFFFF, 0x01000000, 0x0FFFFFFF];

        public static byte[] Mutate(byte[] seed, Random random)
        {
            var bytes = new List<byte>(seed);
            int mutations = random.Next(1, 4);
            for (int m = 0; m < mutations; m++)
            {
                int protect = random.Next(5) == 0 ? 0 : Math.Min(2, bytes.Count);
                int Position() => bytes.Count <= protect ? protect : random.Next(protect, bytes.Count);
                switch (random.Next(8))
                {
                    case 0: // bit flips
                        for (int f = random.Next(1, 9); f > 0 && bytes.Count > protect; f--)
                        {
                            int p = Position();
                            bytes[p] ^= (byte)(1 << random.Next(8));
                        }
                        break;
                    case 1: // a byte set to an edge value
                        if (bytes.Count > protect)
                            bytes[Position()] = (byte)Interesting[random.Next(Interesting.Length)];
                        break;
                    case 2: // truncation
                        if (bytes.Count > protect)
                        {
                            int p = Position();
                            bytes.RemoveRange(p, bytes.Count - p);
                        }
                        break;
                    case 3: // a 32-bit length or count overwritten with an edge value
                    case 4:
                        if (bytes.Count >= protect + 4)
                        {
                            int p = random.Next(protect, bytes.Count - 3);
                            uint v = Interesting[random.Next(Interesting.Length)];
                            for (int b = 0; b < 4; b++)
                                bytes[p + b] = (byte)(v >> (24 - 8 * b));
                        }
                        break;
                    case 5: // a 16-bit length overwritten
                        if (bytes.Count >= protect + 2)
                        {
                            int p = random.Next(protect, bytes.Count - 1);
                            uint v = Interesting[random.Next(Interesting.Length)];
                            bytes[p] = (byte)(v >> 8);
                            bytes[p + 1] = (byte)v;
                        }
                        break;
                    case 6: // a huge unsigned varint (compact lengths, counts, tagged fields)
                        bytes.InsertRange(Position(), random.Next(2) == 0 ? [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] : [0xFE, 0xFF, 0xFF, 0x7F]);
                        break;
                    default: // garbage inserted or a chunk repeated
                        int at = Position();
                        if (random.Next(2) == 0 || bytes.Count == 0)
                        {
                            var garbage = new byte[random.Next(1, 32)];
                            random.NextBytes(garbage);
                            bytes.InsertRange(at, garbage);
                        }
                        else
                        {
                            int from = random.Next(bytes.Count);
                            int length = Math.Min(random.Next(1, 64), bytes.Count - from);
                            bytes.InsertRange(at, bytes.GetRange(from, length));
                        }
                        break;
                }
            }
            return [.. bytes];
        }
    }

    /// <summary>Forwards 127.0.0.1:<see cref="Port"/> to the broker and keeps a copy of each client request frame.</summary>
    private sealed class RecordingProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public RecordingProxy()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        }

        public int Port { get; }

        public ConcurrentQueue<byte[]> Frames { get; } = new();

        public void Start(int targetPort) => _ = Task.Run(() => AcceptAsync(targetPort));

        private async Task AcceptAsync(int targetPort)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    using (var upstream = new TcpClient())
                    {
                        try
                        {
                            await upstream.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
                            var toBroker = RecordAsync(client.GetStream(), upstream.GetStream());
                            var toClient = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                            await Task.WhenAny(toBroker, toClient);
                        }
                        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                        {
                        }
                    }
                });
            }
        }

        private async Task RecordAsync(Stream from, Stream to)
        {
            var size = new byte[4];
            while (true)
            {
                await from.ReadExactlyAsync(size, _stop.Token);
                int length = BinaryPrimitives.ReadInt32BigEndian(size);
                if (length < 0 || length > 16 << 20)
                    return;
                var frame = new byte[length];
                await from.ReadExactlyAsync(frame, _stop.Token);
                if (Frames.Count < MaxSeeds && length >= 8)
                    Frames.Enqueue(frame);
                await to.WriteAsync(size, _stop.Token);
                await to.WriteAsync(frame, _stop.Token);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _listener.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>Errors logged by the appliance while the test runs (a handler failing on input is a bug).</summary>
    private sealed class ErrorLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _entries = new();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public IEnumerable<string> First => _entries.Take(20);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel < LogLevel.Error)
                    return;
                if (Interlocked.Increment(ref log._count) <= 20)
                    log._entries.Enqueue($"{category}: {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message} {exception?.StackTrace?.Split('\n').FirstOrDefault()}");
            }
        }
    }
}
