using FsCheck;
using FsCheck.Fluent;
using IngestHub.Protocol.Primitives;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Protocol.Tests.Records;

public class RecordBatchRoundTripTests
{
    internal sealed record Input(long Timestamp, byte[]? Key, byte[]? Value, (string Key, byte[]? Value)[] Headers);

    private static readonly Gen<byte[]?> NullableBytes = Gen.Frequency(
        (1, Gen.Constant<byte[]?>(null)),
        (1, Gen.Constant<byte[]?>([])),
        (4, Gen.Choose(0, 255).Select(i => (byte)i).ArrayOf().Select(a => (byte[]?)a)));

    private static readonly Gen<(string, byte[]?)> HeaderGen =
        from key in Gen.Elements("", "trace-id", "content-type", "clé ✓", "k")
        from value in NullableBytes
        select (key, value);

    private static readonly Gen<Input> RecordGen =
        from timestamp in Gen.Choose(-100_000, 100_000).Select(d => 1_700_000_000_000L + d)
        from key in NullableBytes
        from value in NullableBytes
        from headerCount in Gen.Choose(0, 5)
        from headers in HeaderGen.ArrayOf(headerCount)
        select new Input(timestamp, key, value, headers);

    internal sealed record Case(Input[] Records, CompressionType Compression, bool Xerial, long BaseOffset);

    private static readonly Gen<Case> CaseGen =
        from count in Gen.Choose(1, 20)
        from records in RecordGen.ArrayOf(count)
        from compression in Gen.Elements(CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd)
        from xerial in ArbMap.Default.GeneratorFor<bool>()
        from baseOffset in Gen.Choose(0, 1_000_000)
        select new Case(records, compression, xerial, baseOffset);

    [Fact]
    public void Built_batches_validate_and_decode_to_the_same_records()
    {
        using var builder = new RecordBatchBuilder();
        var prop = Prop.ForAll(Arb.From(CaseGen), c =>
        {
            builder.Reset();
            builder.Compression = c.Compression;
            builder.UseXerialSnappy = c.Xerial;
            builder.BaseOffset = c.BaseOffset;
            foreach (var r in c.Records)
                builder.Append(r.Timestamp, r.Key, r.Value, r.Headers.Select(h => new RecordHeaderEntry(h.Key, h.Value)).ToArray());
            byte[] batch = builder.ToArray();

            Assert.Equal(RecordBatchError.None, RecordBatchHeader.TryValidate(batch, out var header));
            Assert.Equal(c.Compression, header.Compression);
            Assert.Equal(c.Records.Length, header.RecordCount);
            Assert.Equal(c.Records.Length - 1, header.LastOffsetDelta);
            Assert.Equal(c.Records.Max(r => r.Timestamp), header.MaxTimestamp);
            Assert.Equal(batch.Length, header.TotalSize);

            Assert.Equal(RecordBatchError.None, BatchBytes.Decode(batch, out var decoded));
            AssertSame(c.Records, decoded, c.BaseOffset);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), prop);
    }

    internal static void AssertSame(Input[] expected, List<DecodedRecord> actual, long baseOffset)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(baseOffset + i, actual[i].Offset);
            Assert.Equal(expected[i].Timestamp, actual[i].Timestamp);
            Assert.Equal(expected[i].Key, actual[i].Key);
            Assert.Equal(expected[i].Value, actual[i].Value);
            Assert.Equal(expected[i].Headers.Length, actual[i].Headers.Count);
            for (int h = 0; h < expected[i].Headers.Length; h++)
            {
                Assert.Equal(expected[i].Headers[h].Key, actual[i].Headers[h].Key);
                Assert.Equal(expected[i].Headers[h].Value, actual[i].Headers[h].Value);
            }
        }
    }

    [Fact]
    public void Builder_sets_producer_fields_and_attributes()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Gzip)
        {
            ProducerId = 42,
            ProducerEpoch = 3,
            BaseSequence = 17,
            IsTransactional = true,
            PartitionLeaderEpoch = 5,
        };
        builder.Append(10, null, "v"u8.ToArray());
        builder.Append(7, null, "w"u8.ToArray());
        Assert.Equal(RecordBatchError.None, RecordBatchHeader.TryValidate(builder.ToArray(), out var header));
        Assert.Equal(42, header.ProducerId);
        Assert.Equal(3, header.ProducerEpoch);
        Assert.Equal(17, header.BaseSequence);
        Assert.Equal(18, header.LastSequence);
        Assert.Equal(5, header.PartitionLeaderEpoch);
        Assert.True(header.IsTransactional);
        Assert.Equal(CompressionType.Gzip, header.Compression);
        Assert.Equal(10, header.BaseTimestamp);
        Assert.Equal(10, header.MaxTimestamp);
    }

    [Fact]
    public void Log_append_time_batches_report_max_timestamp_for_every_record()
    {
        using var builder = new RecordBatchBuilder { LogAppendTime = true };
        builder.Append(100, null, null);
        builder.Append(300, null, null);
        Assert.Equal(RecordBatchError.None, BatchBytes.Decode(builder.ToArray(), out var records));
        Assert.All(records, r => Assert.Equal(300, r.Timestamp));
    }

    [Fact]
    public void Reset_builder_writes_consecutive_batches_that_the_enumerator_frames()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Snappy);
        using var output = new PooledBufferWriter();
        for (int b = 0; b < 3; b++)
        {
            builder.Reset();
            builder.BaseOffset = b * 10;
            for (int i = 0; i < 4; i++)
                builder.Append(1000 + i, null, new byte[] { (byte)b, (byte)i });
            builder.Build(output);
        }
        var records = RecordBatchDecoder.DecodeAll(output.WrittenSpan);
        Assert.Equal([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23], records.Select(r => r.Offset));
        Assert.Equal(new byte[] { 2, 3 }, records[^1].Value);
    }

    [Fact]
    public void Uncompressed_records_are_views_into_the_batch()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(1, "key"u8.ToArray(), "value"u8.ToArray());
        byte[] batch = builder.ToArray();
        var reader = new RecordBatchReader(batch);
        try
        {
            Assert.True(reader.MoveNext());
            var value = reader.Current.Value;
            // Same memory as the batch: the value ends exactly one byte (header count) before the batch does.
            Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(value), ref batch[^6]));
            Assert.False(reader.MoveNext());
            Assert.Equal(RecordBatchError.None, reader.Error);
        }
        finally
        {
            reader.Dispose();
        }
    }
}
