using IngestHub.Examples.OrdersApi;

await OrdersApp.Build(args).RunAsync();
