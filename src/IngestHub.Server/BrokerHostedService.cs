using IngestHub.Broker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server;

/// <summary>Starts the broker with the host (recovering logs first) and stops it cleanly on shutdown.</summary>
public sealed class BrokerHostedService(KafkaBroker broker, ILogger<BrokerHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await broker.StartAsync(cancellationToken);
        logger.LogInformation("Kafka listener ready on {Host}:{Port}", broker.AdvertisedHost, broker.AdvertisedPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await broker.StopAsync();
}
