using IngestHub.Protocol;

namespace IngestHub.Broker.Producers;

/// <summary>What the producer-state table says about an incoming batch.</summary>
public readonly record struct SequenceCheck(ErrorCode Error, ProducerBatch? Duplicate)
{
    public static readonly SequenceCheck Accept = new(ErrorCode.None, null);
    public bool IsDuplicate => Duplicate.HasValue;
}
