using System.Globalization;
using System.Text.RegularExpressions;
using IngestHub.Broker.Security;
using IngestHub.Testing;

namespace IngestHub.Benchmarks;

/// <summary>
/// <c>client --security [--records-100 N] [--records-1k N] [--rounds R] [--partitions P] [--linger-ms L] [--batch-bytes B]
/// [--only ingesthub,kcat,confluent] [--mechanism SCRAM-SHA-256]</c>: what TLS and SASL cost. One appliance process
/// with two listeners, PLAINTEXT and SASL_SSL (a CA and a broker certificate made in-process with
/// <c>CertificateRequest</c> into a temp directory, one SCRAM user written to its data directory before it starts);
/// each client produces and consumes the same records over both listeners in the same run (same method as the plain
/// <c>client</c> mode: wall time from the client's creation, rounds rotate the order of clients and listeners, medians
/// reported). The table gives records/s and MB/s per listener and the ratio SASL_SSL ÷ PLAINTEXT per client.
/// </summary>
public static partial class ClientThroughputHarness
{
    private const string BenchUser = "bench";
    private const string BenchPassword = "bench-Secret-1";

    private static async Task<int> RunSecurityAsync(string[] args)
    {
        long records100 = Option(args, "--records-100", 200_000);
        long records1k = Option(args, "--records-1k", 50_000);
        int rounds = (int)Option(args, "--rounds", 3);
        int partitions = (int)Option(args, "--partitions", 1);
        int linger = (int)Option(args, "--linger-ms", 5);
        int batch = (int)Option(args, "--batch-bytes", 1024 * 1024);
        string mechanism = Text(args, "--mechanism") ?? "SCRAM-SHA-256";
        var only = (Text(args, "--only") ?? "ingesthub,kcat").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        IClient[] clients = [.. new IClient[] { new IngestHubClient(), new KcatClient(), new ConfluentClient() }
            .Where(c => only.Contains(c.Name, StringComparer.OrdinalIgnoreCase))];

        using var certificates = new TestCertificates();
        await using var appliance = ApplianceProcess.Create(
            "--broker:Listeners=PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
            $"--broker:Ssl:CertificateFile={certificates.ServerCertFile}",
            $"--broker:Ssl:KeyFile={certificates.ServerKeyFile}");
        new CredentialStore(appliance.DataDir).Upsert(BenchUser, BenchPassword);
        await appliance.StartAsync();
        var saslSsl = SaslSslListener().Match(appliance.Output);
        if (!saslSsl.Success)
            throw new InvalidOperationException("no SASL_SSL listener in the appliance's output:\n" + appliance.Output);
        string plainBootstrap = appliance.Bootstrap;
        string secureBootstrap = $"127.0.0.1:{saslSsl.Groups[1].Value}";

        string dir = Directory.CreateTempSubdirectory("ingesthub-security-bench-").FullName;
        try
        {
            var plain = new Settings(plainBootstrap, partitions, linger, batch, dir);
            var secure = new Settings(secureBootstrap, partitions, linger, batch, dir,
                new Connection("SASL_SSL", mechanism, BenchUser, BenchPassword, certificates.CaFile), plainBootstrap);
            (string Name, Settings Settings)[] listeners = [("PLAINTEXT", plain), ("SASL_SSL", secure)];
            Console.WriteLine($"PLAINTEXT {plainBootstrap}, SASL_SSL {secureBootstrap} ({mechanism}, TLS 1.2/1.3 as negotiated), {partitions} partition(s), acks=1, " +
                $"linger.ms {linger}, batch.size {batch}, {rounds} rounds, {Environment.ProcessorCount} cores, load {LoadAverage()}");

            // Warm-up over both listeners (JIT, TLS code paths, page cache), not reported.
            foreach (var client in clients)
            {
                foreach (var (name, settings) in listeners)
                {
                    string topic = await NewTopicAsync(settings, $"warm-{client.Name}-{name}");
                    var value = Value(100);
                    await client.ProduceAsync(settings, topic, value, 20_000);
                    await client.ConsumeAsync(settings, topic, value.Length, 20_000);
                }
            }

            var sizes = new (int Size, long Records)[] { (100, records100), (1024, records1k) };
            var produce = new Dictionary<(string, int), List<Measurement>>();
            var consume = new Dictionary<(string, int), List<Measurement>>();
            var runs = clients.SelectMany(c => listeners.Select(l => (Client: c, Listener: l.Name, l.Settings))).ToArray();
            string startLoad = LoadAverage();
            for (int round = 0; round < rounds; round++)
            {
                foreach (var (size, count) in sizes)
                {
                    var value = Value(size);
                    for (int k = 0; k < runs.Length; k++)
                    {
                        var (client, listener, settings) = runs[(k + round) % runs.Length];
                        string topic = await NewTopicAsync(settings, $"{client.Name}-{listener.ToLowerInvariant()}-{size}-{round}");
                        var p = await client.ProduceAsync(settings, topic, value, count);
                        var c = await client.ConsumeAsync(settings, topic, size, count);
                        string key = $"{client.Name} {listener}";
                        Add(produce, (key, size), p);
                        Add(consume, (key, size), c);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  round {round + 1} {client.Name,-10} {listener,-9} {size,5} B  produce {p.RecordsPerSecond,11:N0}/s {p.MegabytesPerSecond,7:F1} MB/s cpu {p.CpuMicrosPerRecord,5:F2} us/rec" +
                            $"   consume {c.RecordsPerSecond,11:N0}/s {c.MegabytesPerSecond,7:F1} MB/s cpu {c.CpuMicrosPerRecord,5:F2} us/rec   load {LoadAverage()}"));
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine($"load average at start of the measured rounds {startLoad}, at the end {LoadAverage()}");
            Console.WriteLine("| size | client | listener | produce records/s | MB/s | CPU µs/rec | consume records/s | MB/s | CPU µs/rec |");
            Console.WriteLine("|---:|---|---|---:|---:|---:|---:|---:|---:|");
            foreach (var (size, _) in sizes)
            {
                foreach (var client in clients)
                {
                    foreach (var (listener, _) in listeners)
                    {
                        var p = Median(produce[($"{client.Name} {listener}", size)]);
                        var c = Median(consume[($"{client.Name} {listener}", size)]);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"| {size} B | {client.Name} | {listener} | {p.RecordsPerSecond:N0} | {p.MegabytesPerSecond:F1} | {p.CpuMicrosPerRecord:F2} | {c.RecordsPerSecond:N0} | {c.MegabytesPerSecond:F1} | {c.CpuMicrosPerRecord:F2} |"));
                    }
                }
            }
            Console.WriteLine();
            Console.WriteLine("| size | client | produce SASL_SSL ÷ PLAINTEXT | consume SASL_SSL ÷ PLAINTEXT |");
            Console.WriteLine("|---:|---|---:|---:|");
            foreach (var (size, _) in sizes)
            {
                foreach (var client in clients)
                {
                    double Ratio(Dictionary<(string, int), List<Measurement>> results) =>
                        Median(results[($"{client.Name} SASL_SSL", size)]).RecordsPerSecond / Median(results[($"{client.Name} PLAINTEXT", size)]).RecordsPerSecond;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {size} B | {client.Name} | {Ratio(produce):F2} | {Ratio(consume):F2} |"));
                }
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex(@"Listening on SASL_SSL://[^\s]+:(\d+) ")]
    private static partial Regex SaslSslListener();
}
