using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Testing.Redis;
using Microsoft.Playwright;
using Xunit;

namespace IngestHub.Server.Tests;

/// <summary>The dashboard's connector editor in Debian's Chromium against the running appliance and a real
/// redis-server: create with a wrong field, fix, test the connection, save, see records arrive, edit, delete;
/// and the filter preview.</summary>
public sealed class ConnectorFormBrowserTests(ApplianceFixture app) : IAsyncLifetime
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

    private async Task<IPage> OpenAsync(string hash)
    {
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(new Uri(app.BaseUrl, "/" + hash).ToString());
        return page;
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    private async Task<List<string>> ConnectorNamesAsync() => [.. (await app.GetJsonAsync("connectors")).AsArray().Select(n => (string)n!)];

    [Fact]
    public async Task Create_a_redis_connector_through_the_form_fix_a_wrong_field_test_save_edit_and_delete()
    {
        await using var redis = await RedisServer.StartAsync(new() { Runtime = RedisRuntime.Process, Password = "form-s3cret" });
        string name = "form-" + Guid.NewGuid().ToString("N")[..6];
        string topic = name + "-events";
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = app.Bootstrap }))
            await admin.CreateTopicAsync(topic, 2);
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = app.Bootstrap }))
        {
            for (int i = 0; i < 12; i++)
                await producer.ProduceAsync(topic, null, $"{{\"n\":{i}}}");
        }

        var page = await OpenAsync("#/connectors");
        await page.ClickAsync("#new-connector");
        await page.Locator("#cf-type").SelectOptionAsync("redis");
        await page.Locator("[data-field='output.mode']").WaitForAsync();
        await page.FillAsync("[id='cf-name']", name);
        await page.Locator("[id='cf-input.topics']").SelectOptionAsync(topic);
        await page.Locator("[id='cf-codec']").SelectOptionAsync("json");
        await page.FillAsync("[id='cf-output.host']", "127.0.0.1");
        await page.FillAsync("[id='cf-output.port']", "70000"); // the wrong field
        await page.FillAsync("[id='cf-output.password']", "form-s3cret");
        await page.FillAsync("[id='cf-output.key']", name);
        await page.Locator("[id='cf-errors.tolerance']").SelectOptionAsync("all");

        await page.ClickAsync("#cf-save");
        var portError = page.Locator("[data-field='output.port'] .cf-error");
        await page.WaitForFunctionAsync("() => document.querySelector(\"[data-field='output.port'] .cf-error\").textContent.includes('between 1 and 65535')");
        Assert.Contains("got 70000", await portError.InnerTextAsync());
        Assert.Equal(1, await page.Locator(".cf-invalid").CountAsync()); // only the wrong field is marked
        await ShotAsync(page, "connector-form-error");
        Assert.DoesNotContain(name, await ConnectorNamesAsync());

        await page.FillAsync("[id='cf-output.port']", redis.Port.ToString(CultureInfo.InvariantCulture));
        await page.ClickAsync("#cf-test");
        await page.Locator("#cf-test-results li[data-check^='ping'].cf-pass").WaitForAsync();
        Assert.Equal(0, await page.Locator("#cf-test-results li.cf-fail").CountAsync());
        Assert.Contains($"{topic} (2 partitions)", await page.Locator("#cf-test-results li[data-check='topics']").InnerTextAsync());
        Assert.Equal("", await portError.InnerTextAsync());

        await page.ClickAsync("[data-view='yaml']");
        Assert.Contains($"port: {redis.Port}", await page.Locator("#cf-yaml").InnerTextAsync());
        await page.ClickAsync("[data-view='form']");
        await ShotAsync(page, "connector-form-tested");

        await page.ClickAsync("#cf-save");
        var card = page.Locator($"section[data-connector='{name}']");
        await card.WaitForAsync();
        var db = await redis.DatabaseAsync();
        await Eventually.MatchAsync(() => db.ListLengthAsync(name), n => n == 12, TimeSpan.FromSeconds(30), "12 records in the Redis list");
        var config = await app.GetJsonAsync($"connectors/{name}/config");
        Assert.Equal(redis.Port, (int)config["output"]!["port"]!);
        Assert.Equal("[hidden]", (string)config["output"]!["password"]!);

        // Edit: the secret comes back masked, the worker count changes live.
        await card.Locator("a[data-edit]").ClickAsync();
        var workers = page.Locator("[id='cf-input.workers']");
        await workers.WaitForAsync();
        Assert.Equal("[hidden]", await page.Locator("[id='cf-output.password']").InputValueAsync());
        Assert.Equal("password", await page.Locator("[id='cf-output.password']").GetAttributeAsync("type"));
        Assert.DoesNotContain("form-s3cret", await page.ContentAsync());
        await workers.FillAsync("2");
        await page.ClickAsync("#cf-save");
        await card.WaitForAsync();
        await Eventually.MatchAsync(() => app.GetJsonAsync($"connectors/{name}/status"), s => s["tasks"]!.AsArray().Count == 2,
            TimeSpan.FromSeconds(30), "two workers");
        Assert.Equal(2, (int)(await app.GetJsonAsync($"connectors/{name}/config"))["input"]!["workers"]!);
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = app.Bootstrap }))
            await producer.ProduceAsync(topic, null, "{\"n\":12}");
        // The stored password was kept through the edit: the sink still authenticates and delivers.
        await Eventually.MatchAsync(() => db.ListLengthAsync(name), n => n == 13, TimeSpan.FromSeconds(30), "13 records after the edit");

        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await card.Locator("button[data-action='delete']").ClickAsync();
        await Eventually.MatchAsync(ConnectorNamesAsync, names => !names.Contains(name), TimeSpan.FromSeconds(30), "connector deleted");
        await page.WaitForFunctionAsync($"() => !document.querySelector(\"section[data-connector='{name}']\")");
    }

    [Fact]
    public async Task Filter_preview_shows_grok_fields_and_tags_a_line_that_does_not_match()
    {
        var page = await OpenAsync("#/connectors/new");
        await page.Locator("#cf-add-filter").WaitForAsync();
        await page.Locator("#cf-add-type").SelectOptionAsync("grok");
        await page.ClickAsync("#cf-add-filter");
        Assert.Contains("COMBINEDAPACHELOG", await page.Locator("#cf-filters .cf-filter-settings").InputValueAsync());
        await page.ClickAsync("#cf-preview-panel summary");
        await page.FillAsync("#cf-sample", string.Join('\n',
            "203.0.113.9 - - [02/Dec/2026:01:02:03 +0000] \"GET /index.html HTTP/1.1\" 200 512 \"-\" \"curl/8.0\"",
            "garbage that is no access log"));
        await page.ClickAsync("#cf-run-preview");
        await page.Locator(".cf-record[data-record='1']").WaitForAsync();
        var first = JsonNode.Parse(await page.Locator(".cf-record[data-record='0'] .cf-event").InnerTextAsync())!;
        Assert.Equal("203.0.113.9", (string)first["clientip"]!);
        Assert.Equal("/index.html", (string)first["request"]!);
        Assert.Equal("\"curl/8.0\"", (string)first["agent"]!);
        Assert.Equal("success", (await page.Locator(".cf-record[data-record='0'] .cf-stage td:nth-child(2)").InnerTextAsync()).Trim());
        var second = JsonNode.Parse(await page.Locator(".cf-record[data-record='1'] .cf-event").InnerTextAsync())!;
        Assert.Contains("_grokparsefailure", second["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("failure", (await page.Locator(".cf-record[data-record='1'] .cf-stage td:nth-child(2)").InnerTextAsync()).Trim());
        await ShotAsync(page, "connector-filter-preview");
    }
}
