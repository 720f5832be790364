using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using IngestHub.Broker;
using IngestHub.Client;
using Xunit;

namespace IngestHub.Server.Tests;

public sealed partial class BrokerInstrumentsTests(ApplianceFixture app)
{
    [Fact]
    public async Task Broker_meter_records_otel_messaging_instruments_per_topic_and_api()
    {
        var meter = app.Broker.Metrics.Meter;
        var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
                l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
                copy[tag.Key] = tag.Value;
            lock (measurements)
                measurements.Add((instrument.Name, value, copy));
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        string topic = "otel-" + Guid.NewGuid().ToString("N")[..8];
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = app.Bootstrap }))
        {
            await Task.WhenAll(Enumerable.Range(0, 12).Select(i => producer.ProduceAsync(topic, null, System.Text.Encoding.UTF8.GetBytes($"r{i}"), partition: 0)));
        }
        await using (var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = app.Bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest }))
        {
            consumer.Assign([new TopicPartition(topic, 0)]);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            for (int i = 0; i < 12; i++)
                await consumer.ConsumeAsync(timeout.Token);
        }
        listener.Dispose();

        List<(string Instrument, double Value, Dictionary<string, object?> Tags)> seen;
        lock (measurements)
            seen = [.. measurements];
        bool ForTopic(Dictionary<string, object?> tags) => (string?)tags.GetValueOrDefault("messaging.destination.name") == topic
            && (string?)tags.GetValueOrDefault("messaging.system") == "kafka";
        Assert.Equal(12, seen.Where(m => m.Instrument == "messaging.client.sent.messages" && ForTopic(m.Tags)).Sum(m => m.Value));
        Assert.True(seen.Where(m => m.Instrument == "messaging.client.consumed.messages" && ForTopic(m.Tags)).Sum(m => m.Value) >= 12);
        var durations = seen.Where(m => m.Instrument == "messaging.client.operation.duration").ToList();
        Assert.Contains(durations, m => (string?)m.Tags["messaging.operation.name"] == "Produce" && m.Value >= 0);
        Assert.Contains(durations, m => (string?)m.Tags["messaging.operation.name"] == "Fetch");
        Assert.Equal(BrokerMetrics.MeterName, meter.Name);
    }

    [GeneratedRegex(@"\b((?:kafka|ingesthub)_[a-z_]+)")]
    private static partial Regex SeriesName();

    [Fact]
    public async Task Grafana_dashboard_uses_only_series_the_metrics_page_exposes()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "IngestHub.sln")))
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        string dashboard = await File.ReadAllTextAsync(Path.Combine(root, "deploy", "grafana", "ingesthub-dashboard.json"));
        var metrics = PrometheusText.Parse(await app.Http.GetStringAsync("metrics"));
        var names = SeriesName().Matches(dashboard).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(names.Count >= 10);
        foreach (string name in names)
        {
            string family = name.EndsWith("_bucket", StringComparison.Ordinal) ? name[..^7] : name;
            Assert.True(metrics.Types.ContainsKey(family), $"{name} is not on /metrics");
        }
        Assert.Contains("prometheus", await File.ReadAllTextAsync(Path.Combine(root, "deploy", "grafana", "ingesthub-dashboard.json")), StringComparison.Ordinal);
        Assert.Contains("/metrics", await File.ReadAllTextAsync(Path.Combine(root, "deploy", "prometheus", "prometheus.yml")), StringComparison.Ordinal);
    }
}
