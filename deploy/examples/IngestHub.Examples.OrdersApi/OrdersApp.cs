using IngestHub.Logging;

namespace IngestHub.Examples.OrdersApi;

/// <summary>An orders API whose every log event (with its structured properties, scopes and the request's trace id)
/// is shipped to IngestHub; settings come from <c>Logging:IngestHub</c> in appsettings.json or the command line.</summary>
public static class OrdersApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.AddIngestHub();
        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orders");
        app.MapGet("/orders/{id:int}", (int id, string? customer) =>
        {
            using (log.BeginScope(new Dictionary<string, object> { ["OrderId"] = id }))
            {
                if (id <= 0)
                {
                    log.LogWarning("Order {OrderId} does not exist", id);
                    return Results.NotFound();
                }
                log.LogInformation("Order {OrderId} looked up by {Customer}", id, customer ?? "anonymous");
                return Results.Ok(new { id, status = "shipped" });
            }
        });
        return app;
    }
}
