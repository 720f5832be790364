using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Runtime;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IngestHub.Pipelines.Tests;

public sealed class PipelineCompilerTests
{
    private static readonly Dictionary<string, string> s_environment = new() { ["SINK_PASSWORD"] = "s3cret-from-env", ["WORKERS"] = "3" };

    private static PipelineCompiler Compiler(EchoingSinkFactory factory) =>
        new([factory], NullLoggerFactory.Instance, environment: s_environment.GetValueOrDefault);

    private static JsonObject Config(string password, string workers = "1") => new()
    {
        ["input"] = new JsonObject { ["topics"] = new JsonArray("logs"), ["workers"] = workers },
        ["output"] = new JsonObject { ["type"] = "echo", ["password"] = password },
    };

    [Fact]
    public void References_are_resolved_when_compiling_and_the_given_configuration_keeps_them()
    {
        var factory = new EchoingSinkFactory();
        var config = Config("${SINK_PASSWORD}", workers: "${WORKERS}");

        var compiled = Compiler(factory).Compile("c1", config);

        Assert.Equal("s3cret-from-env", factory.LastPassword);
        Assert.Equal(3, compiled.Settings.Workers);
        Assert.Equal("${SINK_PASSWORD}", (string)config["output"]!["password"]!);
    }

    [Fact]
    public void A_missing_variable_fails_the_compile_naming_the_key_and_the_variable()
    {
        var ex = Assert.Throws<ConfigException>(() => Compiler(new EchoingSinkFactory()).Compile("c1", Config("${NOT_SET_ANYWHERE}")));
        Assert.Equal("output.password", ex.Key);
        Assert.Contains("NOT_SET_ANYWHERE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sink_errors_and_rejections_never_show_the_secret()
    {
        var compiled = Compiler(new EchoingSinkFactory()).Compile("c1", Config("${SINK_PASSWORD}"));
        await using var sink = compiled.CreateSink();

        var unavailable = await Assert.ThrowsAsync<SinkUnavailableException>(async () => await sink.StartAsync(CancellationToken.None));
        Assert.DoesNotContain("s3cret-from-env", unavailable.Message, StringComparison.Ordinal);
        Assert.Contains("[hidden]", unavailable.Message, StringComparison.Ordinal);
        Assert.Null(unavailable.InnerException);

        var result = await sink.WriteAsync([new LogEvent(new JsonObject { ["message"] = "x" })], CancellationToken.None);
        Assert.Equal("login as ingest with [hidden] refused", Assert.Single(result.Rejected).Reason);

        var crash = await Assert.ThrowsAsync<InvalidOperationException>(async () => await sink.WriteAsync([], CancellationToken.None));
        Assert.Equal("FormatException: bad password [hidden]", crash.Message);
    }

    [Fact]
    public void A_sink_setting_error_that_echoes_the_secret_is_redacted()
    {
        var ex = Assert.Throws<ConfigException>(() => Compiler(new EchoingSinkFactory { RejectSettings = true }).Compile("c1", Config("literal-pw")));
        Assert.Equal("output.password", ex.Key);
        Assert.DoesNotContain("literal-pw", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A sink whose errors quote its password, as a careless client library might.</summary>
    private sealed class EchoingSinkFactory : ISinkFactory
    {
        public string Type => "echo";
        public string? LastPassword { get; private set; }
        public bool RejectSettings { get; init; }

        public IReadOnlyList<SettingDefinition> Settings { get; } = [SettingDefinition.Password("output", "password", "the password")];

        public Task<IReadOnlyList<SinkCheck>> CheckAsync(string connectorName, JsonObject settings, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SinkCheck>>([new SinkCheck("connect", false, "AUTH " + new SettingsReader(settings).String("password") + " refused")]);

        public ISink Create(string connectorName, JsonObject settings, ILoggerFactory loggerFactory)
        {
            LastPassword = new SettingsReader(settings).String("password");
            if (RejectSettings)
                throw new ConfigException("password", $"'{LastPassword}' is too short");
            return new EchoingSink(LastPassword!);
        }
    }

    private sealed class EchoingSink(string password) : ISink
    {
        public ValueTask StartAsync(CancellationToken cancellationToken) =>
            throw new SinkUnavailableException($"connect failed: AUTH {password}", new IOException("sent " + password));

        public ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken) =>
            batch.Count == 0
                ? throw new FormatException("bad password " + password)
                : ValueTask.FromResult(new SinkWriteResult([new SinkRejection(0, "auth", $"login as ingest with {password} refused")]));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
