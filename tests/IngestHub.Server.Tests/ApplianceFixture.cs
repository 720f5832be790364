using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Broker;
using IngestHub.Client;
using IngestHub.Server.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

[assembly: AssemblyFixture(typeof(IngestHub.Server.Tests.ApplianceFixture))]

namespace IngestHub.Server.Tests;

/// <summary>
/// The appliance on free ports (sampling every second) with a topic of three partitions and a consumer group
/// that stays connected with known lag: produced 40/45/10 records, committed 30/25/10 → lag 10/20/0. The group
/// commits ten times (one more record each, each commit seen by a sample) and then stops committing, so the lag
/// monitor holds a full window of commits for partitions 0 and 1.
/// </summary>
public sealed class ApplianceFixture : IAsyncLifetime
{
    public static readonly int[] Produced = [40, 45, 10];
    public static readonly int[] Committed = [30, 25, 10];
    public const int Commits = 10;
    public const string ClientId = "lag-test-client";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ingesthub-server-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private KafkaConsumer? _consumer;

    public string Topic { get; } = "orders-" + Guid.NewGuid().ToString("N")[..8];
    public string Group { get; } = "billing-" + Guid.NewGuid().ToString("N")[..8];
    public Uri BaseUrl { get; private set; } = null!;
    public string Bootstrap { get; private set; } = "";
    public HttpClient Http { get; private set; } = null!;
    public KafkaBroker Broker => _app!.Services.GetRequiredService<KafkaBroker>();

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _app = IngestHubApp.Build(["--data-dir", _dir, "--kafka-port", "0", "--http-port", "0",
                "--monitoring:SampleIntervalSeconds=1", "--broker:GroupInitialRebalanceDelayMs=0"],
            builder => builder.Services.AddIngestHubMonitoring(builder.Configuration));
        _app.MapIngestHubMonitoring();
        await _app.StartAsync();
        var broker = _app.Services.GetRequiredService<KafkaBroker>();
        Bootstrap = $"127.0.0.1:{broker.AdvertisedPort}";
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(20) };

        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = Bootstrap }))
            await admin.CreateTopicAsync(Topic, Produced.Length);
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = Bootstrap }))
        {
            var sends = new List<Task<DeliveryResult>>();
            for (int p = 0; p < Produced.Length; p++)
                for (int i = 0; i < Produced[p]; i++)
                    sends.Add(producer.ProduceAsync(Topic, null, System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i},\"p\":{p}}}"), partition: p));
            await producer.FlushAsync();
            await Task.WhenAll(sends);
        }

        _consumer = new KafkaConsumer(new ConsumerOptions
        {
            BootstrapServers = Bootstrap,
            GroupId = Group,
            ClientId = ClientId,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        });
        _consumer.Subscribe([Topic]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int consumed = 0;
        while (consumed < Committed.Sum())
        {
            await _consumer.ConsumeAsync(timeout.Token);
            consumed++;
        }
        using var commits = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        for (int step = Commits - 1; step >= 0; step--)
        {
            int[] offsets = [.. Committed.Select((m, p) => p == 2 ? m : m - step)];
            await _consumer.CommitAsync(offsets.Select((m, p) => new TopicPartitionOffset(Topic, p, m)), commits.Token);
            // Wait until a sample has seen this commit, so each one is a separate entry of the window.
            await Eventually.MatchAsync(() => GetJsonAsync($"api/groups/{Group}").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null),
                g => g is not null && g["partitions"]!.AsArray().Select(p => (long)p!["committed_offset"]!).SequenceEqual(offsets.Select(o => (long)o)),
                TimeSpan.FromSeconds(30), $"commit {string.Join('/', offsets)} observed");
        }
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        var node = await Http.GetFromJsonAsync<JsonNode>(path);
        return node ?? throw new InvalidOperationException($"{path} returned null");
    }

    public async ValueTask DisposeAsync()
    {
        if (_consumer is not null)
            await _consumer.DisposeAsync();
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
