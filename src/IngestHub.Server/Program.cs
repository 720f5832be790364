using IngestHub.Server;

return await IngestHubApp.RunAsync(args);
