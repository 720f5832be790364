using System.Globalization;

namespace IngestHub.Streams;

/// <summary>
/// Topology settings with Storm's names and meanings. Defaults follow Storm except
/// <see cref="MaxSpoutPending"/>: Storm leaves it unbounded, which lets a fast spout fill memory; here it is
/// 1,000 per spout task.
/// </summary>
public sealed class TopologyConfig
{
    public const string MessageTimeoutSecsKey = "topology.message.timeout.secs";
    public const string MaxSpoutPendingKey = "topology.max.spout.pending";
    public const string AckerExecutorsKey = "topology.acker.executors";
    public const string TickTupleFrequencySecs = "topology.tick.tuple.freq.secs";
    public const string ReceiveBufferSizeKey = "topology.executor.receive.buffer.size";
    public const string TransferBatchSizeKey = "topology.transfer.batch.size";
    public const string StatsSampleRateKey = "topology.stats.sample.rate";
    public const string DeadLetterTopicKey = "topology.dead.letter.topic";

    /// <summary>A tuple tree not completed within this many seconds fails (and is replayed). Default 30.</summary>
    public int MessageTimeoutSecs { get; set; } = 30;

    /// <summary>Most tuples one spout task may have pending (emitted, not yet acked or failed); at the limit
    /// NextTuple is not called. Null means unbounded. No effect without ackers or for emits without message id.</summary>
    public int? MaxSpoutPending { get; set; } = 1000;

    /// <summary>Acker tasks (each on its own executor). 0 turns reliability off: spout tuples are acked as soon as
    /// they are emitted.</summary>
    public int Ackers { get; set; } = 1;

    /// <summary>Capacity of each task's input queue, in tuples; a full queue makes its producers wait (backpressure).</summary>
    public int ReceiveBufferSize { get; set; } = 32_768;

    /// <summary>Tuples an executor collects per destination before handing them over in one operation.</summary>
    public int TransferBatchSize { get; set; } = 64;

    /// <summary>Fraction of executed tuples whose latency is measured (counters are always exact). Default 0.05, as Storm.</summary>
    public double StatsSampleRate { get; set; } = 0.05;

    /// <summary>Where records that cannot be processed go (poison records after the retries, undecodable data, sink
    /// rejections). Default <c>&lt;topology name&gt;.dlq</c>.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>Other settings, readable by components through <see cref="TopologyContext.Config"/>.</summary>
    public Dictionary<string, object?> Settings { get; } = new(StringComparer.Ordinal);

    public TimeSpan MessageTimeout => TimeSpan.FromSeconds(MessageTimeoutSecs);

    /// <summary>Applies Storm-style keys (<c>topology.message.timeout.secs: 60</c>); unknown keys are kept in
    /// <see cref="Settings"/>. Throws <see cref="ArgumentException"/> naming the key for bad values.</summary>
    public void Set(string key, object? value)
    {
        switch (key)
        {
            case MessageTimeoutSecsKey:
                MessageTimeoutSecs = ToInt(key, value, 1, 86_400);
                break;
            case MaxSpoutPendingKey:
                MaxSpoutPending = value is null ? null : ToInt(key, value, 1, 100_000_000);
                break;
            case AckerExecutorsKey:
                Ackers = ToInt(key, value, 0, 64);
                break;
            case ReceiveBufferSizeKey:
                ReceiveBufferSize = ToInt(key, value, 16, 16_777_216);
                break;
            case TransferBatchSizeKey:
                TransferBatchSize = ToInt(key, value, 1, 4096);
                break;
            case StatsSampleRateKey:
                double rate = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (rate is < 0 or > 1)
                    throw new ArgumentException($"{key}: must be between 0 and 1, got {rate}");
                StatsSampleRate = rate;
                break;
            case DeadLetterTopicKey:
                DeadLetterTopic = value?.ToString();
                break;
            default:
                Settings[key] = value;
                break;
        }
    }

    internal static int ToInt(string key, object? value, int min, int max)
    {
        long parsed;
        try
        {
            parsed = value switch
            {
                int i => i,
                long l => l,
                string s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture),
                double d when d == Math.Floor(d) => (long)d,
                IConvertible c => c.ToInt64(CultureInfo.InvariantCulture),
                _ => throw new FormatException(),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
        {
            throw new ArgumentException($"{key}: must be an integer, got {value}");
        }
        if (parsed < min || parsed > max)
            throw new ArgumentException($"{key}: must be between {min} and {max}, got {parsed}");
        return (int)parsed;
    }

    public TopologyConfig Clone()
    {
        var copy = new TopologyConfig
        {
            MessageTimeoutSecs = MessageTimeoutSecs,
            MaxSpoutPending = MaxSpoutPending,
            Ackers = Ackers,
            ReceiveBufferSize = ReceiveBufferSize,
            TransferBatchSize = TransferBatchSize,
            StatsSampleRate = StatsSampleRate,
            DeadLetterTopic = DeadLetterTopic,
        };
        foreach (var (key, value) in Settings)
            copy.Settings[key] = value;
        return copy;
    }
}
