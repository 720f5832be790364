using IngestHub.Client;
using IngestHub.Protocol.Records;

namespace IngestHub.Cli.Bench;

/// <summary>What a benchmark run uses: where, how many records of what size, and the producer settings.</summary>
public sealed record BenchSettings(string Bootstrap, string Topic, int Partitions, long Records, int RecordSize, string AcksText, Acks Acks,
    int BatchSize, int LingerMs, string CompressionText, CompressionType Compression, double Rate)
{
    /// <summary>Resolved security properties (<see cref="Commands.KafkaSecurityOptions"/>); PLAINTEXT when null.</summary>
    public IReadOnlyDictionary<string, string>? Security { get; init; }

    public ClientOptions AdminOptions() => Commands.SharedOptions.Configure(new ClientOptions(), Bootstrap, Security);

    public ProducerOptions ProducerOptions()
    {
        var options = Commands.SharedOptions.Configure(new ProducerOptions(), Bootstrap, Security);
        options.Acks = Acks;
        options.EnableIdempotence = Acks == Acks.All;
        options.BatchSize = BatchSize;
        options.LingerMs = LingerMs;
        options.CompressionType = Compression;
        options.AllowAutoCreateTopics = false;
        return options;
    }

    public ConsumerOptions ConsumerOptions()
    {
        var options = Commands.SharedOptions.Configure(new ConsumerOptions(), Bootstrap, Security);
        options.EnableAutoCommit = false;
        options.AutoOffsetReset = AutoOffsetReset.Earliest;
        return options;
    }

    public BenchResult Result(string mode, long records, double seconds, LatencySummary? latency, string? latencyKind, double? rate = null) =>
        new(mode, Topic, Partitions, records, RecordSize, AcksText, CompressionText, seconds, latency, latencyKind, rate);

    /// <summary>A value of <see cref="RecordSize"/> printable bytes (compressible like log lines, not like zeros).</summary>
    public byte[] NewValue()
    {
        var value = new byte[RecordSize];
        var random = new Random(42);
        for (int i = 0; i < value.Length; i++)
            value[i] = (byte)('a' + random.Next(26));
        return value;
    }
}
