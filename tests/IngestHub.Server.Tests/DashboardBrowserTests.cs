using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;

namespace IngestHub.Server.Tests;

/// <summary>Drives the dashboard in Debian's Chromium (headless) against the running appliance; saves a
/// screenshot of each page under artifacts/screenshots/ in the test output directory.</summary>
public sealed class DashboardBrowserTests(ApplianceFixture app) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is not installed (tests/run.sh installs Debian's chromium)");
        Directory.CreateDirectory(Screenshots);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    private async Task<IPage> OpenAsync(string hash, int width = 1366, int height = 900)
    {
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(new Uri(app.BaseUrl, "/" + hash).ToString());
        return page;
    }

    /// <summary>Clicks until the click has taken effect. The page redraws itself every few seconds; a click whose mouse
    /// down lands on a button that the redraw then replaces produces no click event, as for a person clicking at that
    /// moment, so a click that changed nothing within 10 s is made again (the actions are idempotent).</summary>
    private static async Task ClickUntilAsync(ILocator button, Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            await button.ClickAsync();
            var retry = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < retry)
            {
                if (await done())
                    return;
                await Task.Delay(200);
            }
            Assert.True(DateTime.UtcNow < deadline, what + " not reached within 60 s of clicking");
        }
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    [Fact]
    public async Task Group_page_draws_the_lag_chart_and_its_table_matches_the_api()
    {
        // Wait for some history so the chart has several points per series.
        await Eventually.MatchAsync(() => app.GetJsonAsync($"api/groups/{app.Group}/lag"), h => h["total"]!.AsArray().Count >= 4,
            TimeSpan.FromSeconds(30), "four lag samples");
        var page = await OpenAsync($"#/group/{Uri.EscapeDataString(app.Group)}");
        // The page redraws itself every few seconds, so the chart is read in one evaluation, not element by element.
        const string readChart = """
            () => {
              const svg = document.querySelector('#lag-chart svg[data-points]');
              return svg ? [Number(svg.dataset.points), Number(svg.dataset.series), svg.querySelectorAll('polyline').length,
                svg.querySelectorAll('circle.dot').length, svg.querySelectorAll('text.time-label').length] : [0, 0, 0, 0, 0];
            }
            """;
        int[] chart = await Eventually.MatchAsync(() => page.EvaluateAsync<int[]>(readChart), c => c[0] >= 16, TimeSpan.FromSeconds(30),
            "a lag chart with 16 points");
        Assert.Equal(4, chart[1]); // three partitions and the total
        Assert.Equal(4, chart[2]);
        Assert.True(chart[3] >= 16, $"{chart[3]} dots");
        Assert.True(chart[4] >= 2, "time axis has labels");

        var group = (await app.GetJsonAsync($"api/groups/{app.Group}"))["partitions"]!.AsArray();
        var rows = page.Locator("#partitions-table tbody tr");
        Assert.Equal(group.Count, await rows.CountAsync());
        foreach (var p in group)
        {
            var row = page.Locator($"#partitions-table tr[data-partition='{(int)p!["partition"]!}']");
            Assert.Equal(((long)p["lag"]!).ToString("N0"), (await row.Locator("td.lag").InnerTextAsync()).Trim());
            Assert.Equal(((long)p["committed_offset"]!).ToString("N0"), (await row.Locator("td.committed").InnerTextAsync()).Trim());
            Assert.Equal(((long)p["log_end_offset"]!).ToString("N0"), (await row.Locator("td.end").InnerTextAsync()).Trim());
            Assert.Equal(ApplianceFixture.ClientId, (await row.Locator("td.member").InnerTextAsync()).Trim());
            Assert.False(string.IsNullOrWhiteSpace(await row.Locator("td.host").InnerTextAsync()));
        }
        // Auto refresh: wait until the status pills show the evaluated statuses (they turn STOP once the window is full).
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#partitions-table td.status .pill')].map(e => e.textContent).join() === 'STOP,STOP,OK'",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await ShotAsync(page, "group");

        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300); // the chart redraws on resize
        await ShotAsync(page, "group-phone");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "no horizontal page scroll on a phone");
    }

    [Fact]
    public async Task Overview_shows_ingest_chart_topics_and_group_status()
    {
        await Eventually.MatchAsync(() => app.GetJsonAsync("api/overview"), o => o["ingest"]!["series"]!.AsArray().Count >= 3,
            TimeSpan.FromSeconds(30), "three ingest samples");
        var page = await OpenAsync("#/");
        await page.WaitForFunctionAsync("() => Number(document.querySelector('#rate-records svg')?.dataset.points) >= 3");
        var groupRow = page.Locator($"#groups-table tr[data-group='{app.Group}']");
        await groupRow.WaitForAsync();
        Assert.Equal("30", (await groupRow.Locator("td.lag").InnerTextAsync()).Trim());
        await page.Locator($"#topics-table tr[data-topic='{app.Topic}']").WaitForAsync();
        await page.WaitForFunctionAsync($"() => document.querySelector(\"#groups-table tr[data-group='{app.Group}'] td.status\")?.textContent.trim() === 'ERR'",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await ShotAsync(page, "overview");
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        await ShotAsync(page, "overview-phone");
    }

    [Fact]
    public async Task Cluster_page_shows_the_broker_as_controller_and_partitions_matching_the_api()
    {
        var cluster = await app.GetJsonAsync("api/cluster");
        int node = (int)cluster["node_id"]!;
        var page = await OpenAsync("#/cluster");
        var brokerRow = page.Locator($"#brokers-table tr[data-broker='{node}']");
        await brokerRow.WaitForAsync();
        Assert.Equal(1, await page.Locator("#brokers-table tbody tr").CountAsync());
        Assert.Equal(app.Broker.AdvertisedPort.ToString(), (await brokerRow.Locator("td.port").InnerTextAsync()).Trim());
        Assert.Contains("controller", await brokerRow.Locator("td.role").InnerTextAsync());
        Assert.Equal("0", (await page.Locator("#cluster-stats .under-count").InnerTextAsync()).Trim());
        Assert.Equal(0, await page.Locator("#under-replicated-banner").CountAsync());
        Assert.Equal(0, await page.Locator("#cluster-partitions-table tr.under-replicated").CountAsync());
        Assert.Contains("active", await page.Locator("nav a[data-nav='cluster']").GetAttributeAsync("class") ?? "");
        foreach (var p in cluster["partitions"]!.AsArray().Where(p => (string)p!["topic"]! == app.Topic))
        {
            var row = page.Locator($"#cluster-partitions-table tr[data-topic='{app.Topic}'][data-partition='{(int)p!["partition"]!}']");
            Assert.Equal(((int)p["leader"]!).ToString(), (await row.Locator("td.leader").InnerTextAsync()).Trim());
            Assert.Equal(string.Join(", ", p["replicas"]!.AsArray().Select(r => (int)r!)), (await row.Locator("td.replicas").InnerTextAsync()).Trim());
            Assert.Equal(string.Join(", ", p["isr"]!.AsArray().Select(r => (int)r!)), (await row.Locator("td.isr").InnerTextAsync()).Trim());
            Assert.Equal("OK", (await row.Locator("td.status").InnerTextAsync()).Trim());
        }
        await ShotAsync(page, "cluster");
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        await ShotAsync(page, "cluster-phone");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "no horizontal page scroll on a phone");
    }

    [Fact]
    public async Task Connectors_page_shows_rates_and_dead_letters_and_pauses_a_connector()
    {
        await using var redis = await IngestHub.Testing.Redis.RedisServer.StartAsync(new() { Runtime = IngestHub.Testing.Redis.RedisRuntime.Process });
        string name = "dash-" + Guid.NewGuid().ToString("N")[..6];
        string topic = name + "-events";
        await using (var admin = new IngestHub.Client.KafkaAdminClient(new IngestHub.Client.ClientOptions { BootstrapServers = app.Bootstrap }))
            await admin.CreateTopicAsync(topic, 2);
        var body = new JsonObject
        {
            ["name"] = name,
            ["config"] = new JsonObject
            {
                ["input"] = new JsonObject { ["topics"] = new JsonArray(topic), ["start"] = "earliest" },
                ["codec"] = "json",
                ["output"] = new JsonObject { ["type"] = "redis", ["host"] = "127.0.0.1", ["port"] = redis.Port, ["key"] = "dash" },
                ["errors"] = new JsonObject { ["tolerance"] = "all" },
            },
        };
        using var created = await app.Http.PostAsJsonAsync("connectors", body);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        // Produce in three rounds a little over a sampling interval apart, so the per-minute rate has something to measure.
        await using (var producer = new IngestHub.Client.KafkaProducer(new IngestHub.Client.ProducerOptions { BootstrapServers = app.Bootstrap }))
        {
            for (int round = 0; round < 3; round++)
            {
                var sends = new List<Task>();
                for (int i = round * 10; i < round * 10 + 10; i++)
                    sends.Add(producer.ProduceAsync(topic, null, i % 10 == 9 ? $"not json {i}" : $"{{\"n\":{i}}}"));
                await Task.WhenAll(sends);
                await Task.Delay(1_200);
            }
        }
        var connector = await Eventually.MatchAsync(async () => (await app.GetJsonAsync("api/connectors")).AsArray().Single(c => (string)c!["name"]! == name)!,
            c => (long)c["counters"]!["events_out"]! == 27 && (long)c["dead_lettered"]! == 3 && (double)c["rates"]!["events_in_per_sec"]! > 0,
            TimeSpan.FromSeconds(30), "connector delivered 27 events and dead-lettered 3");
        Assert.Equal("RUNNING", (string)connector["state"]!);
        Assert.Equal(3, connector["recent_dead_letters"]!.AsArray().Count);

        var page = await OpenAsync("#/connectors");
        var card = page.Locator($"section[data-connector='{name}']");
        await card.WaitForAsync();
        await page.WaitForFunctionAsync($"() => document.querySelectorAll(\"section[data-connector='{name}'] td.reason\").length === 3");
        Assert.Contains("RUNNING", await card.Locator(".state").InnerTextAsync());
        await ShotAsync(page, "connectors");
        await ClickUntilAsync(card.Locator("button[data-action='pause']:not([disabled])"),
            async () => (string)(await app.GetJsonAsync($"connectors/{name}/status"))["connector"]!["state"]! == "PAUSED", "connector paused");
        await page.WaitForFunctionAsync($"() => document.querySelector(\"section[data-connector='{name}'] .state\")?.textContent.trim() === 'PAUSED'");
        await ShotAsync(page, "connectors-paused");
        await ClickUntilAsync(card.Locator("button[data-action='resume']:not([disabled])"),
            async () => (string)(await app.GetJsonAsync($"connectors/{name}/status"))["connector"]!["state"]! == "RUNNING", "connector resumed");
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        await ShotAsync(page, "connectors-phone");
        await app.Http.DeleteAsync($"connectors/{name}");
    }

    [Fact]
    public async Task Topology_page_shows_components_and_spout_lag_like_storm_ui_and_pauses_the_topology()
    {
        string name = "dash-topo-" + Guid.NewGuid().ToString("N")[..6];
        await using (var admin = new IngestHub.Client.KafkaAdminClient(new IngestHub.Client.ClientOptions { BootstrapServers = app.Bootstrap }))
            await admin.CreateTopicAsync(name, 2);
        await using (var producer = new IngestHub.Client.KafkaProducer(new IngestHub.Client.ProducerOptions { BootstrapServers = app.Bootstrap }))
            await Task.WhenAll(Enumerable.Range(0, 40).Select(i => producer.ProduceAsync(name, null, $"{{\"service\":\"s{i % 4}\",\"n\":{i}}}")));
        string yaml = $$"""
            name: {{name}}
            spouts:
              logs: { type: kafka, topics: [{{name}}], tasks: 2 }
            bolts:
              parse: { type: pipeline, input: logs, codec: json, fields: [service], parallelism: 2, tasks: 4 }
              keep: { type: filter, input: { from: parse, grouping: fields, fields: [service] }, if: { field: service, exists: true } }
            """;
        using var content = new StringContent(yaml, System.Text.Encoding.UTF8, "application/yaml");
        using (var created = await app.Http.PostAsync("api/topologies", content))
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        try
        {
            var detail = await Eventually.MatchAsync(() => app.GetJsonAsync($"api/topologies/{name}"),
                t => (long)t["acked"]! == 40 && t["spouts"]![0]!["partitions"]!.AsArray().Count == 2 && t["spouts"]![0]!["partitions"]!.AsArray().All(p => (long)p!["lag"]! == 0),
                TimeSpan.FromSeconds(60), "40 records acked and both partitions committed");

            var list = await OpenAsync("#/topologies");
            var row = list.Locator($"#topologies-table tr[data-topology='{name}']");
            await row.WaitForAsync();
            Assert.Contains("ACTIVE", await row.InnerTextAsync());
            await list.WaitForFunctionAsync($"() => document.querySelector(\"#topologies-table tr[data-topology='{name}'] td.acked\")?.textContent.trim() === '40'");
            await row.Locator("a").ClickAsync();

            var page = list;
            await page.Locator("#bolts-table").WaitForAsync();
            Assert.Equal("2", (await page.Locator("#bolts-table tr[data-component='parse'] td.executors").InnerTextAsync()).Trim());
            Assert.Equal("4", (await page.Locator("#bolts-table tr[data-component='parse'] td.tasks").InnerTextAsync()).Trim());
            Assert.Equal("40", (await page.Locator("#bolts-table tr[data-component='parse'] td.executed").InnerTextAsync()).Trim());
            Assert.Equal("40", (await page.Locator("#bolts-table tr[data-component='keep'] td.executed").InnerTextAsync()).Trim());
            Assert.Equal("40", (await page.Locator("#spouts-table tr[data-component='logs'] td.acked").InnerTextAsync()).Trim());
            Assert.Equal("2", (await page.Locator("#spouts-table tr[data-component='logs'] td.tasks").InnerTextAsync()).Trim());
            foreach (var p in detail["spouts"]![0]!["partitions"]!.AsArray())
            {
                var lagRow = page.Locator($"#lag-table tr[data-partition='{name}-{(int)p!["partition"]!}']");
                Assert.Equal(((long)p["committed"]!).ToString("N0"), (await lagRow.Locator("td.committed").InnerTextAsync()).Trim());
                Assert.Equal("0", (await lagRow.Locator("td.lag").InnerTextAsync()).Trim());
            }
            await ShotAsync(page, "topology");

            await page.Locator("button[data-action='pause']:not([disabled])").ClickAsync();
            await Eventually.MatchAsync(() => app.GetJsonAsync($"api/topologies/{name}"), t => (string)t["state"]! == "INACTIVE",
                TimeSpan.FromSeconds(15), "topology paused");
            await page.WaitForFunctionAsync("() => document.querySelector('h1 .state')?.textContent.trim() === 'INACTIVE'");
            await page.Locator("button[data-action='resume']:not([disabled])").ClickAsync();
            await Eventually.MatchAsync(() => app.GetJsonAsync($"api/topologies/{name}"), t => (string)t["state"]! == "ACTIVE",
                TimeSpan.FromSeconds(15), "topology resumed");
        }
        finally
        {
            await app.Http.DeleteAsync($"api/topologies/{name}");
        }
    }
}
