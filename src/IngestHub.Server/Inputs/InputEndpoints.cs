using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngestHub.Client;
using IngestHub.Inputs;
using IngestHub.Inputs.Http;
using IngestHub.Inputs.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Inputs;

/// <summary>Registers the inputs (<c>inputs</c> section) and maps <c>POST /ingest/{topic}</c>, <c>POST /v1/logs</c> and
/// <c>/api/inputs</c>.</summary>
public static partial class InputEndpoints
{
    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex TopicName();

    public static IServiceCollection AddIngestHubInputs(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new InputsOptions();
        configuration.GetSection("inputs").Bind(options);
        services.AddSingleton(options);
        var kafka = new InputsKafkaSettings();
        configuration.GetSection("inputs").Bind(kafka);
        // A security setting of the inputs' Kafka connection that cannot work stops startup here, naming it.
        _ = kafka.ClientOptions(kafka.BootstrapServers ?? "127.0.0.1:9092", "ingesthub-inputs");
        services.AddSingleton(kafka);
        services.AddSingleton<InputRegistry>();
        services.AddSingleton<InputsHost>();
        services.AddHostedService(sp => sp.GetRequiredService<InputsHost>());
        return services;
    }

    public static void MapIngestHubInputs(this IEndpointRouteBuilder app)
    {
        app.MapPost("/ingest/{topic}", HandleIngestAsync);
        app.MapPost("/v1/logs", HandleOtlpLogsAsync);
        app.MapGet("/api/inputs", (InputRegistry registry) => Results.Json(InputsJson(registry)));
    }

    private static async Task<IResult> HandleIngestAsync(string topic, HttpRequest request, InputRegistry registry, InputsHost host, ILogger<InputsHost> logger)
    {
        var counters = registry.Http;
        var options = registry.Options.Http;
        if (!options.Enabled)
            return Error(404, "the HTTP input is disabled (inputs.http.enabled)");
        counters.CountRequest();
        if (!TopicName().IsMatch(topic) || topic.StartsWith("__", StringComparison.Ordinal))
            return Reject(counters, new IngestFailure(400, $"'{topic}' is not a valid topic name (letters, digits, '.', '_', '-'; not internal)"));
        var (body, readFailure) = await RequestBody.ReadAsync(request, options.MaxBodyBytes, "inputs.http.maxBodyBytes");
        if (readFailure is not null)
            return Reject(counters, readFailure);
        string? keyField = request.Query["key"];
        if (!HttpIngestParser.TryParse(body, request.ContentType, string.IsNullOrEmpty(keyField) ? null : keyField, options, out var records, out var failure))
            return Reject(counters, failure!);
        if (host.Producer is not { } producer)
            return Error(503, "the appliance is starting");
        try
        {
            await producer.ProduceAllAsync(topic, records, request.HttpContext.RequestAborted);
        }
        catch (KafkaException ex)
        {
            counters.CountRejected(records.Count);
            logger.LogWarning("HTTP ingest into {Topic} failed: {Error}", topic, ex.Message);
            // Some records of the request may be stored: the client retries (at-least-once).
            return Error(ex.IsRetriable ? 503 : 500, $"not stored: {ex.Message}");
        }
        counters.CountAccepted(records.Count);
        return Results.Json(new JsonObject { ["accepted"] = records.Count, ["topic"] = topic });
    }

    /// <summary>OTLP/HTTP logs: protobuf or JSON (by Content-Type), gzip or not; answered after acks=all. 400 is not to be
    /// retried, 503 is (the OTLP retry rules).</summary>
    private static async Task<IResult> HandleOtlpLogsAsync(HttpRequest request, InputRegistry registry, InputsHost host, ILogger<InputsHost> logger)
    {
        var counters = registry.Otlp;
        var options = registry.Options.Otlp;
        string mediaType = request.ContentType?.Split(';')[0].Trim() ?? "";
        bool json = mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
        if (!options.Enabled)
            return Otlp(json, 404, 5, "the OTLP input is disabled (inputs.otlp.enabled)");
        counters.CountRequest();
        if (!json && !mediaType.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase))
        {
            counters.CountRejected(1);
            return Otlp(json, 415, 3, $"unsupported Content-Type '{request.ContentType}': use application/x-protobuf or application/json");
        }
        var (body, failure) = await RequestBody.ReadAsync(request, options.MaxBodyBytes, "inputs.otlp.maxBodyBytes");
        List<IngestRecord> records = [];
        if (failure is not null || !OtlpLogsDecoder.TryDecode(body, json, DateTimeOffset.UtcNow, out records, out failure))
        {
            counters.CountRejected(1);
            return Otlp(json, failure!.Status, failure.Status == 413 ? 8 : 3, failure.Message);
        }
        if (host.Producer is not { } producer)
            return Otlp(json, 503, 14, "the appliance is starting");
        try
        {
            await producer.ProduceAllAsync(options.Topic, records, request.HttpContext.RequestAborted);
        }
        catch (KafkaException ex)
        {
            counters.CountRejected(records.Count);
            logger.LogWarning("OTLP logs into {Topic} failed: {Error}", options.Topic, ex.Message);
            return Otlp(json, ex.IsRetriable ? 503 : 500, ex.IsRetriable ? 14 : 13, $"not stored: {ex.Message}");
        }
        counters.CountAccepted(records.Count);
        return new BinaryResult(200, json ? "application/json" : "application/x-protobuf", OtlpLogsResponse.Success(json));
    }

    private static IResult Otlp(bool json, int status, int grpcCode, string message) =>
        new BinaryResult(status, json ? "application/json" : "application/x-protobuf", OtlpLogsResponse.Failure(json, grpcCode, message));

    private static IResult Reject(InputCounters counters, IngestFailure failure)
    {
        counters.CountRejected(1);
        return Error(failure.Status, failure.Message);
    }

    private static IResult Error(int status, string message) =>
        Results.Json(new JsonObject { ["error_code"] = status, ["message"] = message }, statusCode: status);

    public static JsonArray InputsJson(InputRegistry registry)
    {
        var result = new JsonArray();
        foreach (var (counters, enabled, target) in registry.All())
            result.Add(new JsonObject
            {
                ["name"] = counters.Name,
                ["enabled"] = enabled,
                ["target"] = target,
                ["requests"] = counters.Requests,
                ["accepted"] = counters.Accepted,
                ["rejected"] = counters.Rejected,
            });
        return result;
    }
}
