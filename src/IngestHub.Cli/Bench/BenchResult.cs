using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace IngestHub.Cli.Bench;

/// <summary>Figures of one benchmark run, printed as a table or one JSON object.</summary>
public sealed record BenchResult(string Mode, string Topic, int Partitions, long Records, int RecordSize, string Acks, string Compression,
    double Seconds, LatencySummary? Latency, string? LatencyKind, double? Rate)
{
    public double RecordsPerSecond => Seconds > 0 ? Records / Seconds : 0;

    /// <summary>Value bytes per second in MB (10^6 bytes), as Kafka's and kcat's tools report.</summary>
    public double MegabytesPerSecond => Seconds > 0 ? Records * (double)RecordSize / Seconds / 1e6 : 0;

    public void WriteTable(CliConsole console)
    {
        var table = console.NewTable().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(new Text(name), new Text(value));
        Row("mode", Mode);
        Row("topic", $"{Topic} ({Partitions} partitions)");
        Row("records", Records.ToString("N0", CultureInfo.InvariantCulture));
        Row("record size", $"{RecordSize} B");
        Row("acks / compression", $"{Acks} / {Compression}");
        if (Rate is { } rate)
            Row("target rate", $"{rate.ToString("N0", CultureInfo.InvariantCulture)} records/s");
        Row("seconds", Seconds.ToString("F2", CultureInfo.InvariantCulture));
        Row("records/s", RecordsPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        Row("MB/s", MegabytesPerSecond.ToString("F1", CultureInfo.InvariantCulture));
        if (Latency is { } latency)
        {
            string kind = LatencyKind ?? "latency";
            Row($"{kind} p50 (ms)", Ms(latency.P50Ms));
            Row($"{kind} p99 (ms)", Ms(latency.P99Ms));
            Row($"{kind} p99.9 (ms)", Ms(latency.P999Ms));
            Row($"{kind} max (ms)", Ms(latency.MaxMs));
        }
        console.Tables.Write(table);
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("mode", Mode);
            writer.WriteString("topic", Topic);
            writer.WriteNumber("partitions", Partitions);
            writer.WriteNumber("records", Records);
            writer.WriteNumber("recordSize", RecordSize);
            writer.WriteString("acks", Acks);
            writer.WriteString("compression", Compression);
            if (Rate is { } rate)
                writer.WriteNumber("targetRate", rate);
            writer.WriteNumber("seconds", Math.Round(Seconds, 4));
            writer.WriteNumber("recordsPerSec", Math.Round(RecordsPerSecond, 1));
            writer.WriteNumber("mbPerSec", Math.Round(MegabytesPerSecond, 2));
            if (Latency is { } latency)
            {
                writer.WriteStartObject("latencyMs");
                writer.WriteString("kind", LatencyKind);
                writer.WriteNumber("p50", Math.Round(latency.P50Ms, 3));
                writer.WriteNumber("p99", Math.Round(latency.P99Ms, 3));
                writer.WriteNumber("p999", Math.Round(latency.P999Ms, 3));
                writer.WriteNumber("max", Math.Round(latency.MaxMs, 3));
                writer.WriteNumber("samples", latency.Samples);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Ms(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
