namespace IngestHub.Broker.Producers;

/// <summary>One appended batch of an idempotent producer, kept to recognise retries.</summary>
public readonly record struct ProducerBatch(short Epoch, int FirstSequence, int LastSequence, long FirstOffset, long LastOffset, long Timestamp);
