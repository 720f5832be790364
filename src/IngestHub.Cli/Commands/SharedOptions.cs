using System.CommandLine;
using IngestHub.Client;
using IngestHub.Protocol.Records;

namespace IngestHub.Cli.Commands;

/// <summary>Options several commands share, and the parsing of their values.</summary>
public static class SharedOptions
{
    public const string DefaultBootstrap = "127.0.0.1:9092";

    public static Option<string> Bootstrap() => new("--bootstrap-server", "-b")
    {
        Description = "Broker address(es), host:port[,host:port]",
        DefaultValueFactory = _ => DefaultBootstrap,
    };

    public static Option<string> Acks(string defaultValue) => new("--acks")
    {
        Description = "Acknowledgements: 0, 1 or all",
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<string> Compression() => new("--compression")
    {
        Description = "none, gzip, snappy, lz4 or zstd",
        DefaultValueFactory = _ => "none",
    };

    public static Acks ParseAcks(string value) => value.Trim().ToLowerInvariant() switch
    {
        "all" or "-1" => Client.Acks.All,
        "1" => Client.Acks.Leader,
        "0" => Client.Acks.None,
        _ => throw new CliException($"--acks must be 0, 1 or all, not '{value}'", 2),
    };

    public static CompressionType ParseCompression(string value) => value.Trim().ToLowerInvariant() switch
    {
        "none" => CompressionType.None,
        "gzip" => CompressionType.Gzip,
        "snappy" => CompressionType.Snappy,
        "lz4" => CompressionType.Lz4,
        "zstd" => CompressionType.Zstd,
        _ => throw new CliException($"--compression must be none, gzip, snappy, lz4 or zstd, not '{value}'", 2),
    };

    /// <summary>Parses repeated <c>k=v</c> values (value may contain '=').</summary>
    public static List<KeyValuePair<string, string>> ParseKeyValues(string[]? values, string option)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (string entry in values ?? [])
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new CliException($"{option} expects key=value, not '{entry}'", 2);
            result.Add(new(entry[..eq], entry[(eq + 1)..]));
        }
        return result;
    }

    /// <summary>Client settings for a short-lived command: fail fast when the broker cannot be reached.</summary>
    /// <param name="security">Resolved <see cref="KafkaSecurityOptions"/> properties; PLAINTEXT when null.</param>
    public static T Configure<T>(T options, string bootstrap, IReadOnlyDictionary<string, string>? security = null) where T : ClientOptions
    {
        if (security is not null)
            KafkaSecurityOptions.Apply(options, security);
        options.BootstrapServers = bootstrap;
        options.ClientId = "ingesthub-cli";
        options.ConnectTimeoutMs = 5_000;
        return options;
    }

    /// <summary>Throws a one-line error when <paramref name="topic"/> does not exist; returns its partition count.</summary>
    public static async Task<TopicMetadata> RequireTopicAsync(KafkaAdminClient admin, string topic, CancellationToken cancellationToken)
    {
        var metadata = await admin.DescribeTopicsAsync([topic], cancellationToken);
        if (!metadata.Topics.TryGetValue(topic, out var found) || found.Error == Protocol.ErrorCode.UnknownTopicOrPartition)
            throw new CliException($"topic '{topic}' does not exist");
        if (found.Error != Protocol.ErrorCode.None)
            throw new CliException($"topic '{topic}': {found.Error}");
        return found;
    }

    /// <summary>Runs one part of a describe command; when the broker refuses it, records what is missing and why
    /// (naming an API the broker does not support) and returns <paramref name="fallback"/>, so the rest is shown.</summary>
    public static async Task<T> PartAsync<T>(string what, Func<Task<T>> part, T fallback, List<string> missing)
    {
        try
        {
            return await part();
        }
        catch (KafkaException ex)
        {
            missing.Add(ex.ErrorCode == Protocol.ErrorCode.UnsupportedVersion
                ? $"{what}: not supported by the broker ({ex.Message})"
                : $"{what}: {ex.Message}");
            return fallback;
        }
    }

    /// <summary>Names, on stderr, each part a describe command could not show; exit code 0 when it showed the
    /// rest, 3 when something is missing, so scripts can tell.</summary>
    public static async Task<int> ReportMissingAsync(CliConsole console, List<string> missing)
    {
        foreach (string line in missing)
            await console.Error.WriteLineAsync("not shown: " + line);
        return missing.Count == 0 ? 0 : 3;
    }
}
