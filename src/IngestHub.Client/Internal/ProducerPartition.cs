namespace IngestHub.Client.Internal;

/// <summary>Sender-side state of one partition: the open batch, closed batches in send order, sequence numbers.</summary>
internal sealed class ProducerPartition(TopicPartition topicPartition)
{
    public TopicPartition TopicPartition { get; } = topicPartition;
    public ProducerBatch? Open { get; set; }
    /// <summary>Closed batches waiting to be sent; retried batches are put back in sequence order at the front.</summary>
    public List<ProducerBatch> Ready { get; } = [];
    /// <summary>Batches sequenced since the oldest unacknowledged one, in sequence order: the unacknowledged ones
    /// and any acknowledged after it (an ack on a new connection can overtake the failure of an earlier request on
    /// the dropped one). The first is always unacknowledged; the count is how many batches the broker may hold from
    /// the oldest retry on, and it recognises a retry only among a producer's last five batches.</summary>
    public List<ProducerBatch> Unacked { get; } = [];
    public int InFlight { get; set; }
    public int NextSequence { get; set; }
    /// <summary>Bytes of the last batch closed (sizes the next batch's buffer).</summary>
    public int LastBatchBytes { get; set; }
    /// <summary>Records of the last batch closed (sizes the next batch's delivery list).</summary>
    public int LastBatchRecords { get; set; }
    /// <summary>Whether a batch of the current producer id/epoch has been acknowledged on this partition. Until
    /// then only one request is in flight: a broker accepts any first sequence from a producer it does not know, so
    /// a later batch overtaking a retried first one would be stored first and the first then refused as out of order.</summary>
    public bool SequenceEstablished { get; set; }

    /// <summary>True while a retried batch waits: then only one request at a time, so order is restored.</summary>
    public bool Retrying
    {
        get
        {
            foreach (var batch in Ready)
            {
                if (batch.BaseSequence >= 0 || batch.Attempts > 0)
                    return true;
            }
            return false;
        }
    }

    /// <summary>A batch was acknowledged: it leaves <see cref="Unacked"/> once no earlier batch is unacknowledged.</summary>
    public void Acknowledge(ProducerBatch batch)
    {
        batch.Acknowledged = true;
        DropAcknowledgedHead();
    }

    /// <summary>A sequenced batch failed or expired (the producer id is reset).</summary>
    public void Forget(ProducerBatch batch)
    {
        Unacked.Remove(batch);
        DropAcknowledgedHead();
    }

    private void DropAcknowledgedHead()
    {
        while (Unacked.Count > 0 && Unacked[0].Acknowledged)
            Unacked.RemoveAt(0);
    }

    public void Requeue(ProducerBatch batch)
    {
        int index = 0;
        while (index < Ready.Count && Ready[index].BaseSequence >= 0 && Ready[index].BaseSequence < batch.BaseSequence)
            index++;
        if (batch.BaseSequence < 0)
        {
            // Unsequenced retry (idempotence off): stays ahead of batches never sent.
            index = 0;
            while (index < Ready.Count && Ready[index].Attempts > 0)
                index++;
        }
        Ready.Insert(index, batch);
    }
}
