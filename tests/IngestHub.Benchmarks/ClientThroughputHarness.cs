using System.Diagnostics;
using System.Globalization;
using Ck = Confluent.Kafka;
using IngestHub.Client;
using IngestHub.Testing;

namespace IngestHub.Benchmarks;

/// <summary>
/// <c>client [--records-100 N] [--records-1k N] [--rounds R] [--partitions P] [--linger-ms L] [--batch-bytes B]
/// [--bootstrap host:port] [--only ingesthub,confluent,kcat] [--wiretap]</c>: produce and consume throughput of IngestHub.Client beside
/// Confluent.Kafka (.NET, librdkafka) and kcat (librdkafka 2.0.2) against the same broker in the same run.
/// <para>Each client produces N keyless records of 100 B and of 1 KiB (acks=1, no idempotence, no compression, the
/// same linger.ms and batch.size) into a fresh topic, then consumes them from the beginning. Each figure is wall time
/// from the client's creation (kcat: its process start) until the last record is acknowledged (produce) or received
/// (consume), so every client pays its own start-up and metadata. Rounds rotate the order of the clients; the table
/// reports medians. The appliance runs as a child process (src/IngestHub.Server, same configuration) unless
/// <c>--bootstrap</c> names a running broker.</para>
/// </summary>
public static partial class ClientThroughputHarness
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(30);

    /// <summary>How a client connects; null in <see cref="Settings.Secure"/> is PLAINTEXT.</summary>
    private sealed record Connection(string Protocol, string Mechanism, string User, string Password, string CaFile);

    /// <summary><paramref name="AdminBootstrap"/>: where the harness itself creates topics and counts records
    /// (the PLAINTEXT listener), so only the measured client pays for TLS and SASL.</summary>
    private sealed record Settings(string Bootstrap, int Partitions, int LingerMs, int BatchBytes, string Dir, Connection? Secure = null, string? AdminBootstrap = null)
    {
        public string Admin => AdminBootstrap ?? Bootstrap;

        public T Apply<T>(T options) where T : ClientOptions
        {
            options.BootstrapServers = Bootstrap;
            if (Secure is { } c)
            {
                options.SecurityProtocol = c.Protocol;
                options.SaslMechanism = c.Mechanism;
                options.SaslUsername = c.User;
                options.SaslPassword = c.Password;
                options.SslCaLocation = c.CaFile;
            }
            return options;
        }

        public T ApplyConfluent<T>(T config) where T : Ck.ClientConfig
        {
            config.BootstrapServers = Bootstrap;
            if (Secure is { } c)
            {
                config.SecurityProtocol = Enum.Parse<Ck.SecurityProtocol>(c.Protocol.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);
                config.SaslMechanism = c.Mechanism switch
                {
                    "PLAIN" => Ck.SaslMechanism.Plain,
                    "SCRAM-SHA-256" => Ck.SaslMechanism.ScramSha256,
                    _ => Ck.SaslMechanism.ScramSha512,
                };
                config.SaslUsername = c.User;
                config.SaslPassword = c.Password;
                config.SslCaLocation = c.CaFile;
            }
            return config;
        }

        /// <summary>kcat's -b and -X arguments for this connection.</summary>
        public string[] KcatArgs() => Secure is { } c
            ? ["-b", Bootstrap, "-X", $"security.protocol={c.Protocol}", "-X", $"sasl.mechanisms={c.Mechanism}", "-X", $"sasl.username={c.User}",
                "-X", $"sasl.password={c.Password}", "-X", $"ssl.ca.location={c.CaFile}"]
            : ["-b", Bootstrap];
    }

    private sealed record Measurement(double Seconds, double CpuSeconds, long Records, int Size)
    {
        public double RecordsPerSecond => Records / Seconds;
        public double MegabytesPerSecond => Records * (double)Size / Seconds / 1e6;
        public double CpuMicrosPerRecord => CpuSeconds * 1e6 / Records;
    }

    private interface IClient
    {
        string Name { get; }
        Task<Measurement> ProduceAsync(Settings settings, string topic, byte[] value, long records);
        Task<Measurement> ConsumeAsync(Settings settings, string topic, int size, long records);
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--security"))
            return await RunSecurityAsync(args);
        long records100 = Option(args, "--records-100", 1_000_000);
        long records1k = Option(args, "--records-1k", 200_000);
        int rounds = (int)Option(args, "--rounds", 3);
        int partitions = (int)Option(args, "--partitions", 1);
        int linger = (int)Option(args, "--linger-ms", 5);
        int batch = (int)Option(args, "--batch-bytes", 1024 * 1024);
        string? bootstrap = Text(args, "--bootstrap");
        var only = Text(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        IClient[] clients = [new IngestHubClient(), new ConfluentClient(), new KcatClient()];
        if (only is not null)
            clients = [.. clients.Where(c => only.Contains(c.Name, StringComparer.OrdinalIgnoreCase))];

        // --wiretap: every connection goes through a relay that reads the Kafka framing (see WireTap).
        bool tapWire = args.Contains("--wiretap");
        int brokerPort = tapWire && bootstrap is null ? WireTap.FreePort() : 0;
        await using var tap = tapWire
            ? new WireTap(bootstrap is null ? brokerPort : int.Parse(bootstrap[(bootstrap.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture))
            : null;
        await using var appliance = bootstrap is null
            ? tap is null
                ? ApplianceProcess.Create()
                : ApplianceProcess.Create("--kafka-port", brokerPort.ToString(CultureInfo.InvariantCulture), "--advertised-port", tap.Port.ToString(CultureInfo.InvariantCulture))
            : null;
        if (tap is not null && appliance is null)
            bootstrap = $"127.0.0.1:{tap.Port.ToString(CultureInfo.InvariantCulture)}";
        if (appliance is not null)
        {
            await appliance.StartAsync();
            bootstrap = appliance.Bootstrap;
        }
        string dir = Directory.CreateTempSubdirectory("ingesthub-client-bench-").FullName;
        try
        {
            var settings = new Settings(bootstrap!, partitions, linger, batch, dir);
            Console.WriteLine($"broker {settings.Bootstrap}, {partitions} partition(s), acks=1, linger.ms {linger}, batch.size {batch}, " +
                $"{rounds} rounds, {Environment.ProcessorCount} cores, load {LoadAverage()}");
            var sizes = new (int Size, long Records)[] { (100, records100), (1024, records1k) };
            // Warm-up (JIT, thread pool, page cache of the broker's files), not reported.
            foreach (var client in clients)
            {
                string topic = await NewTopicAsync(settings, $"warm-{client.Name}");
                var value = Value(100);
                await client.ProduceAsync(settings, topic, value, 100_000);
                await client.ConsumeAsync(settings, topic, value.Length, 100_000);
            }

            var produce = new Dictionary<(string, int), List<Measurement>>();
            var consume = new Dictionary<(string, int), List<Measurement>>();
            for (int round = 0; round < rounds; round++)
            {
                foreach (var (size, count) in sizes)
                {
                    var value = Value(size);
                    for (int k = 0; k < clients.Length; k++)
                    {
                        var client = clients[(k + round) % clients.Length];
                        string topic = await NewTopicAsync(settings, $"{client.Name}-{size}-{round}");
                        var wire0 = tap?.Snapshot();
                        tap?.ResetMaximum();
                        var gc0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                        var p = await client.ProduceAsync(settings, topic, value, count);
                        var gc1 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                        var wire1 = tap?.Snapshot();
                        tap?.ResetMaximum();
                        var c = await client.ConsumeAsync(settings, topic, size, count);
                        var wire2 = tap?.Snapshot();
                        Add(produce, (client.Name, size), p);
                        Add(consume, (client.Name, size), c);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  round {round + 1} {client.Name,-10} {size,5} B  produce {p.RecordsPerSecond,11:N0}/s {p.MegabytesPerSecond,7:F1} MB/s cpu {p.CpuMicrosPerRecord,5:F2} us/rec" +
                            $"   consume {c.RecordsPerSecond,11:N0}/s {c.MegabytesPerSecond,7:F1} MB/s cpu {c.CpuMicrosPerRecord,5:F2} us/rec   load {LoadAverage()}" +
                            $"   harness GCs during produce {gc1.Item1 - gc0.Item1}/{gc1.Item2 - gc0.Item2}/{gc1.Item3 - gc0.Item3}"));
                        if (tap is not null)
                        {
                            Console.WriteLine("      produce " + WireTap.Describe("Produce", Delta(wire1!, wire0!, 0), p.Seconds));
                            Console.WriteLine("      consume " + WireTap.Describe("Fetch", Delta(wire2!, wire1!, 1), c.Seconds));
                        }
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine("| size | client | produce records/s | MB/s | ÷ kcat | ÷ Confluent | CPU µs/rec | consume records/s | MB/s | ÷ kcat | ÷ Confluent | CPU µs/rec |");
            Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (size, _) in sizes)
            {
                foreach (var client in clients)
                {
                    var p = Median(produce[(client.Name, size)]);
                    var c = Median(consume[(client.Name, size)]);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {size} B | {client.Name} | {p.RecordsPerSecond:N0} | {p.MegabytesPerSecond:F1} | {Ratio(produce, "kcat", size, p)} | {Ratio(produce, "confluent", size, p)} | {p.CpuMicrosPerRecord:F2} " +
                        $"| {c.RecordsPerSecond:N0} | {c.MegabytesPerSecond:F1} | {Ratio(consume, "kcat", size, c)} | {Ratio(consume, "confluent", size, c)} | {c.CpuMicrosPerRecord:F2} |"));
                }
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static WireTap.ApiTotals? Delta(Dictionary<short, WireTap.ApiTotals> after, Dictionary<short, WireTap.ApiTotals> before, short api) =>
        after.TryGetValue(api, out var a) ? a.Minus(before.GetValueOrDefault(api)) : null;

    private static void Add(Dictionary<(string, int), List<Measurement>> results, (string, int) key, Measurement m)
    {
        if (!results.TryGetValue(key, out var list))
            results[key] = list = [];
        list.Add(m);
    }

    private static string Ratio(Dictionary<(string, int), List<Measurement>> results, string peer, int size, Measurement m) =>
        results.TryGetValue((peer, size), out var list)
            ? (m.RecordsPerSecond / Median(list).RecordsPerSecond).ToString("F2", CultureInfo.InvariantCulture)
            : "—";

    private static Measurement Median(List<Measurement> list) => list.OrderBy(m => m.RecordsPerSecond).ElementAt(list.Count / 2);

    /// <summary>A printable value (no newline, so kcat can read it as one line).</summary>
    private static byte[] Value(int size)
    {
        var value = new byte[size];
        var random = new Random(42);
        for (int i = 0; i < value.Length; i++)
            value[i] = (byte)('a' + random.Next(26));
        return value;
    }

    private static async Task<string> NewTopicAsync(Settings settings, string prefix)
    {
        string topic = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 9, 200)];
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = settings.Admin });
        await admin.CreateTopicAsync(topic, settings.Partitions);
        long deadline = Environment.TickCount64 + 30_000;
        while (true)
        {
            var metadata = await admin.DescribeTopicsAsync([topic]);
            if (metadata.Topics.TryGetValue(topic, out var t) && t.Partitions.Count == settings.Partitions && t.Partitions.All(p => p.Leader >= 0))
                return topic;
            if (Environment.TickCount64 > deadline)
                throw new InvalidOperationException($"topic {topic} has no leaders after 30 s");
            await Task.Delay(20);
        }
    }

    private static double ProcessCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>CPU time of waited-for children (utime + stime of exited children, /proc/self/stat fields 16 and 17).</summary>
    private static double ChildrenCpuSeconds()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): cutime is field 16, cstime field 17.
        return (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private sealed class IngestHubClient : IClient
    {
        public string Name => "ingesthub";

        public async Task<Measurement> ProduceAsync(Settings settings, string topic, byte[] value, long records)
        {
            long delivered = 0;
            KafkaException? failure = null;
            Action<DeliveryReport> report = r =>
            {
                if (r.IsSuccess)
                    Interlocked.Increment(ref delivered);
                else
                    Interlocked.CompareExchange(ref failure, r.Error, null);
            };
            double cpu = ProcessCpuSeconds();
            var clock = Stopwatch.StartNew();
            await using (var producer = new KafkaProducer(settings.Apply(new ProducerOptions
            {
                Acks = Acks.Leader,
                EnableIdempotence = false,
                LingerMs = settings.LingerMs,
                BatchSize = settings.BatchBytes,
                AllowAutoCreateTopics = false,
            })))
            {
                for (long i = 0; i < records; i++)
                    producer.Produce(topic, null, value, report);
                await producer.FlushAsync();
            }
            clock.Stop();
            if (failure is not null)
                throw failure;
            if (delivered != records)
                throw new InvalidOperationException($"ingesthub: {delivered} of {records} delivered");
            return new Measurement(clock.Elapsed.TotalSeconds, ProcessCpuSeconds() - cpu, records, value.Length);
        }

        public async Task<Measurement> ConsumeAsync(Settings settings, string topic, int size, long records)
        {
            double cpu = ProcessCpuSeconds();
            var clock = Stopwatch.StartNew();
            long count = 0;
            await using (var consumer = new KafkaConsumer(settings.Apply(new ConsumerOptions { EnableAutoCommit = false })))
            {
                consumer.Assign(Enumerable.Range(0, settings.Partitions).Select(p => new TopicPartitionOffset(topic, p, 0)));
                using var idle = new CancellationTokenSource(IdleLimit);
                while (count < records)
                {
                    var record = await consumer.ConsumeAsync(idle.Token);
                    if (record.Value?.Length != size)
                        throw new InvalidOperationException($"ingesthub: record of {record.Value?.Length} bytes at offset {record.Offset}");
                    count++;
                    if ((count & 0xFFFF) == 0)
                        idle.CancelAfter(IdleLimit);
                }
            }
            clock.Stop();
            return new Measurement(clock.Elapsed.TotalSeconds, ProcessCpuSeconds() - cpu, count, size);
        }
    }

    private sealed class ConfluentClient : IClient
    {
        public string Name => "confluent";

        public Task<Measurement> ProduceAsync(Settings settings, string topic, byte[] value, long records)
        {
            long delivered = 0;
            Ck.Error? failure = null;
            Action<Ck.DeliveryReport<Ck.Null, byte[]>> report = r =>
            {
                if (r.Error.IsError)
                    Interlocked.CompareExchange(ref failure, r.Error, null);
                else
                    Interlocked.Increment(ref delivered);
            };
            double cpu = ProcessCpuSeconds();
            var clock = Stopwatch.StartNew();
            using (var producer = new Ck.ProducerBuilder<Ck.Null, byte[]>(settings.ApplyConfluent(new Ck.ProducerConfig
            {
                Acks = Ck.Acks.Leader,
                EnableIdempotence = false,
                LingerMs = settings.LingerMs,
                BatchSize = settings.BatchBytes,
            })).Build())
            {
                var message = new Ck.Message<Ck.Null, byte[]> { Value = value };
                for (long i = 0; i < records; i++)
                {
                    while (true)
                    {
                        try
                        {
                            producer.Produce(topic, message, report);
                            break;
                        }
                        catch (Ck.ProduceException<Ck.Null, byte[]> ex) when (ex.Error.Code == Ck.ErrorCode.Local_QueueFull)
                        {
                            producer.Poll(TimeSpan.FromMilliseconds(10));
                        }
                    }
                }
                producer.Flush(TimeSpan.FromMinutes(2));
            }
            clock.Stop();
            if (failure is not null)
                throw new InvalidOperationException($"confluent: {failure.Reason}");
            if (delivered != records)
                throw new InvalidOperationException($"confluent: {delivered} of {records} delivered");
            return Task.FromResult(new Measurement(clock.Elapsed.TotalSeconds, ProcessCpuSeconds() - cpu, records, value.Length));
        }

        public Task<Measurement> ConsumeAsync(Settings settings, string topic, int size, long records)
        {
            double cpu = ProcessCpuSeconds();
            var clock = Stopwatch.StartNew();
            long count = 0;
            using (var consumer = new Ck.ConsumerBuilder<Ck.Ignore, byte[]>(settings.ApplyConfluent(new Ck.ConsumerConfig
            {
                GroupId = "bench-" + topic,
                EnableAutoCommit = false,
            })).Build())
            {
                consumer.Assign(Enumerable.Range(0, settings.Partitions).Select(p => new Ck.TopicPartitionOffset(topic, p, Ck.Offset.Beginning)));
                long lastProgress = Environment.TickCount64;
                while (count < records)
                {
                    var record = consumer.Consume(TimeSpan.FromSeconds(1));
                    if (record is null)
                    {
                        if (Environment.TickCount64 - lastProgress > IdleLimit.TotalMilliseconds)
                            throw new InvalidOperationException($"confluent: no record for {IdleLimit.TotalSeconds} s after {count}");
                        continue;
                    }
                    if (record.Message.Value?.Length != size)
                        throw new InvalidOperationException($"confluent: record of {record.Message.Value?.Length} bytes at offset {record.Offset}");
                    count++;
                    lastProgress = Environment.TickCount64;
                }
                consumer.Close();
            }
            clock.Stop();
            return Task.FromResult(new Measurement(clock.Elapsed.TotalSeconds, ProcessCpuSeconds() - cpu, count, size));
        }
    }

    private sealed class KcatClient : IClient
    {
        public string Name => "kcat";

        public async Task<Measurement> ProduceAsync(Settings settings, string topic, byte[] value, long records)
        {
            string file = Path.Combine(settings.Dir, $"records-{value.Length}-{records}.txt");
            if (!File.Exists(file))
            {
                await using var output = new BufferedStream(File.Create(file), 1 << 20);
                for (long i = 0; i < records; i++)
                {
                    output.Write(value);
                    output.WriteByte((byte)'\n');
                }
            }
            string[] args = ["-P", .. settings.KcatArgs(), "-t", topic, "-X", "acks=1", "-X", "enable.idempotence=false",
                "-X", $"linger.ms={settings.LingerMs}", "-X", $"batch.size={settings.BatchBytes}", "-l", file];
            var (seconds, cpu, _) = await RunAsync(args);
            long stored = await StoredAsync(settings, topic);
            if (stored != records)
                throw new InvalidOperationException($"kcat: {stored} of {records} stored");
            return new Measurement(seconds, cpu, records, value.Length);
        }

        public async Task<Measurement> ConsumeAsync(Settings settings, string topic, int size, long records)
        {
            string[] args = ["-C", .. settings.KcatArgs(), "-t", topic, "-o", "beginning", "-e", "-q", "-c", records.ToString(CultureInfo.InvariantCulture)];
            var (seconds, cpu, lines) = await RunAsync(args);
            if (lines != records)
                throw new InvalidOperationException($"kcat: consumed {lines} of {records}");
            return new Measurement(seconds, cpu, records, size);
        }

        /// <summary>Runs kcat to its end; counts the lines it prints (each consumed record is one).</summary>
        private static async Task<(double Seconds, double CpuSeconds, long Lines)> RunAsync(string[] args)
        {
            var psi = new ProcessStartInfo("kcat") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in args)
                psi.ArgumentList.Add(arg);
            double cpu = ChildrenCpuSeconds();
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start kcat");
            var stderr = process.StandardError.ReadToEndAsync();
            long lines = 0;
            var buffer = new byte[1 << 16];
            var stdout = process.StandardOutput.BaseStream;
            int n;
            while ((n = await stdout.ReadAsync(buffer)) > 0)
                lines += buffer.AsSpan(0, n).Count((byte)'\n');
            using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
                await process.WaitForExitAsync(deadline.Token);
            clock.Stop();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"kcat {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
            return (clock.Elapsed.TotalSeconds, ChildrenCpuSeconds() - cpu, lines);
        }

        private static async Task<long> StoredAsync(Settings settings, string topic)
        {
            await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = settings.Admin });
            var partitions = Enumerable.Range(0, settings.Partitions).Select(p => new TopicPartition(topic, p)).ToList();
            var end = await admin.ListOffsetsAsync(partitions, KafkaAdminClient.Latest);
            return end.Values.Sum();
        }
    }

    private static long Option(string[] args, string name, long fallback) =>
        Text(args, name) is { } text ? long.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? Text(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
