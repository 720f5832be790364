namespace IngestHub.Broker.Producers;

/// <summary>A producer's epoch and its last <see cref="ProducerStateTable.RetainedBatches"/> batches on one partition.</summary>
public sealed class ProducerEntry
{
    public short Epoch { get; set; }
    /// <summary>Oldest first; at most <see cref="ProducerStateTable.RetainedBatches"/>.</summary>
    public List<ProducerBatch> Batches { get; set; } = new(ProducerStateTable.RetainedBatches);
    public long LastTimestamp { get; set; }
}
