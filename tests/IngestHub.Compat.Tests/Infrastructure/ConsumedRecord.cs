using System.Globalization;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>One record as printed by kcat with the format <see cref="KcatFormat"/>.</summary>
public sealed record ConsumedRecord(int Partition, long Offset, string Key, string Value, string Headers)
{
    /// <summary>Partition, offset, key, value, headers; the test data never contains '|'.</summary>
    public const string KcatFormat = @"%p|%o|%k|%s|%h\n";

    public static List<ConsumedRecord> ParseAll(string output)
    {
        var records = new List<ConsumedRecord>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split('|');
            if (fields.Length != 5)
                throw new FormatException($"unexpected kcat line '{line}'");
            records.Add(new ConsumedRecord(int.Parse(fields[0], CultureInfo.InvariantCulture),
                long.Parse(fields[1], CultureInfo.InvariantCulture), fields[2], fields[3], fields[4]));
        }
        return records;
    }
}
