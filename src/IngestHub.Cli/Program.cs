using IngestHub.Cli;

return await CliApp.RunAsync(args, Console.Out, Console.Error, Console.In);
