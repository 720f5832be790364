using System.Text;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Broker.Tests.Support;

/// <summary>Builds record batches for produce requests.</summary>
public static class Batches
{
    public static byte[] Values(params string[] values) => Build(-1, -1, -1, values);

    public static byte[] Idempotent(long producerId, short epoch, int baseSequence, params string[] values) =>
        Build(producerId, epoch, baseSequence, values);

    private static byte[] Build(long producerId, short epoch, int baseSequence, string[] values)
    {
        using var builder = new RecordBatchBuilder
        {
            ProducerId = producerId,
            ProducerEpoch = epoch,
            BaseSequence = baseSequence,
        };
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var value in values)
            builder.Append(now, null, Encoding.UTF8.GetBytes(value));
        return builder.ToArray();
    }
}
