using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Filters;
using IngestHub.Pipelines.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IngestHub.Server.Api;

/// <summary>
/// Kafka Connect's plugin API for the sink types: <c>GET /connector-plugins</c> (type, version and settings schema),
/// <c>GET /connector-plugins/{type}/config</c> (the schema alone) and <c>PUT /connector-plugins/{type}/config/validate</c>
/// (Connect's ConfigInfos shape: every setting's value and errors, and <c>error_count</c>). The schema is the one
/// the sinks parse their settings with, and validate runs the same checks as create and update.
/// </summary>
public static class ConnectorPluginEndpoints
{
    public static void MapConnectorPluginEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/connector-plugins");
        group.MapGet("", (PipelineCompiler compiler, ConnectorValidator validator) =>
            Results.Json(new JsonArray([.. compiler.Sinks.Select(s => (JsonNode)new JsonObject
            {
                ["class"] = s.Type,
                ["type"] = "sink",
                ["version"] = s.Version,
                ["config"] = Schema(validator.Schema(s.Type)!, s.Type),
                ["filters"] = new JsonArray([.. FilterCatalog.Names.Select(n => (JsonNode)n)]),
            })])));
        group.MapGet("/{type}/config", (string type, ConnectorValidator validator) =>
            validator.Schema(type) is { } schema ? Results.Json(Schema(schema, type)) : UnknownType(type));
        group.MapPut("/{type}/config/validate", ValidateAsync);
    }

    private static async Task<IResult> ValidateAsync(string type, HttpRequest request, ConnectorValidator validator, CancellationToken ct)
    {
        if (validator.Schema(type) is null)
            return UnknownType(type);
        JsonObject? config;
        try
        {
            config = await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException)
        {
            config = null;
        }
        if (config is null)
            return Results.Json(new JsonObject { ["error_code"] = 400, ["message"] = "request body must be the connector's configuration as a JSON object" }, statusCode: 400);
        return Results.Json(ValidationJson(await validator.ValidateAsync(type, config)));
    }

    /// <summary>Connect's ConfigInfos: <c>name</c>, <c>error_count</c>, <c>groups</c> and per setting its
    /// <c>definition</c> and <c>value</c> (<c>name</c>, <c>value</c>, <c>recommended_values</c>, <c>errors</c>, <c>visible</c>).</summary>
    public static JsonObject ValidationJson(ConnectorValidation validation)
    {
        var configs = new JsonArray();
        var groups = new List<string>();
        int order = 0;
        foreach (var s in validation.Settings)
        {
            var definition = s.Definition?.ToJson(++order) ?? new JsonObject
            {
                ["name"] = s.Path,
                ["type"] = "STRING",
                ["required"] = false,
                ["default_value"] = null,
                ["importance"] = "LOW",
                ["documentation"] = "not a setting of this connector type",
                ["group"] = "unknown",
                ["width"] = "NONE",
                ["display_name"] = s.Path,
                ["dependents"] = new JsonArray(),
                ["order"] = ++order,
                ["allowed_values"] = new JsonArray(),
            };
            string group = (string)definition["group"]!;
            if (!groups.Contains(group))
                groups.Add(group);
            configs.Add(new JsonObject
            {
                ["definition"] = definition,
                ["value"] = new JsonObject
                {
                    ["name"] = s.Path,
                    ["value"] = ValueText(s.Value),
                    ["recommended_values"] = new JsonArray([.. (s.Definition?.Allowed ?? []).Select(a => (JsonNode)a)]),
                    ["errors"] = new JsonArray([.. s.Errors.Select(e => (JsonNode)e)]),
                    ["visible"] = true,
                },
            });
        }
        return new JsonObject
        {
            ["name"] = validation.Type,
            ["error_count"] = validation.ErrorCount,
            ["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)g)]),
            ["configs"] = configs,
        };
    }

    /// <summary>Connect gives values as strings: a list of strings comma-separated, anything structured as JSON.</summary>
    private static string? ValueText(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonArray a when a.All(i => i is JsonValue v && v.TryGetValue(out string? _)) => string.Join(",", a.Select(i => i!.GetValue<string>())),
        _ => value.ToJsonString(),
    };

    private static JsonArray Schema(IReadOnlyList<SettingDefinition> schema, string type)
    {
        var result = new JsonArray();
        for (int i = 0; i < schema.Count; i++)
        {
            var json = schema[i].ToJson(i + 1);
            if (schema[i] == PipelineSettings.Type)
            {
                json["default_value"] = type;
                json["allowed_values"] = new JsonArray(type);
            }
            result.Add(json);
        }
        return result;
    }

    private static IResult UnknownType(string type) =>
        Results.Json(new JsonObject { ["error_code"] = 404, ["message"] = $"Unknown connector type {type}" }, statusCode: 404);
}
