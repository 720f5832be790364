namespace IngestHub.Broker.Producers;

/// <summary>What DescribeProducers reports of one idempotent producer on a partition.</summary>
public readonly record struct ProducerSummary(long ProducerId, short Epoch, int LastSequence, long LastTimestamp);
