namespace IngestHub.Client;

/// <summary>Outcome of a fire-and-forget <see cref="KafkaProducer.Produce"/>: a result or an error.</summary>
public readonly record struct DeliveryReport(DeliveryResult? Result, KafkaException? Error)
{
    public bool IsSuccess => Error is null;
}
