using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using IngestHub.Protocol.Primitives;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Protocol.Tests.Records;

public class RecordBatchMalformedTests
{
    private static byte[] Golden() => RecordBatchGoldenTests.HandAssembledBatch();

    private static byte[] Built(CompressionType compression, bool xerial = false)
    {
        using var builder = new RecordBatchBuilder(compression) { UseXerialSnappy = xerial };
        for (int i = 0; i < 5; i++)
            builder.Append(100 + i, i % 2 == 0 ? null : new byte[] { (byte)i }, new byte[] { 1, 2, 3, (byte)i },
                [new RecordHeaderEntry("h", i % 3 == 0 ? null : new byte[] { 9 })]);
        return builder.ToArray();
    }

    /// <summary>Golden batch with one records-section byte replaced, CRC resealed so the parser sees it.</summary>
    private static byte[] GoldenWith(int index, byte value)
    {
        byte[] batch = Golden();
        batch[index] = value;
        return BatchBytes.Reseal(batch);
    }

    private static byte[] WithRecordCount(byte[] batch, int count)
    {
        batch = (byte[])batch.Clone();
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.RecordCountOffset), count);
        return BatchBytes.Reseal(batch);
    }

    private static byte[] WithAttributes(byte[] batch, short attributes)
    {
        batch = (byte[])batch.Clone();
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset), attributes);
        return BatchBytes.Reseal(batch);
    }

    /// <summary>One crafted input per error kind (Golden layout: record 0 starts at byte 61, its key length at 65).</summary>
    private static Dictionary<RecordBatchError, byte[]> CraftedInputs()
    {
        byte[] badMagic = Golden();
        badMagic[RecordBatchHeader.MagicOffset] = 1;
        byte[] badCrc = Golden();
        badCrc[RecordBatchHeader.CrcOffset] ^= 0xFF;
        byte[] shortLength = Golden();
        BinaryPrimitives.WriteInt32BigEndian(shortLength.AsSpan(RecordBatchHeader.BatchLengthOffset), 10);
        // One record whose offsetDelta varint has six continuation bytes.
        byte[] overflow = BatchBytes.Seal([0x16, 0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x01, 0x00], 1, 0);
        byte[] gzipGarbage = BatchBytes.Seal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1, 0, (short)CompressionType.Gzip);
        // Golden section plus one stray byte after the last record.
        byte[] trailing = BatchBytes.Seal([.. Golden().AsSpan(RecordBatchHeader.Size), 0x7F], 2, 1);
        return new()
        {
            [RecordBatchError.None] = Golden(),
            [RecordBatchError.Truncated] = Golden()[..84],
            [RecordBatchError.InvalidLength] = GoldenWith(65, 0x03), // key length -2
            [RecordBatchError.UnsupportedMagic] = badMagic,
            [RecordBatchError.CrcMismatch] = badCrc,
            [RecordBatchError.VarintOverflow] = overflow,
            [RecordBatchError.RecordCountMismatch] = WithRecordCount(Golden(), 3),
            [RecordBatchError.UnsupportedCompression] = WithAttributes(Golden(), 5),
            [RecordBatchError.CorruptCompressedData] = gzipGarbage,
            [RecordBatchError.InvalidRecord] = trailing,
        };
    }

    [Fact]
    public void Every_error_kind_is_produced_by_some_crafted_input()
    {
        var inputs = CraftedInputs();
        foreach (var kind in Enum.GetValues<RecordBatchError>())
        {
            Assert.True(inputs.ContainsKey(kind), $"no crafted input for {kind}");
            Assert.Equal(kind, BatchBytes.Drain(inputs[kind]));
        }
        byte[] shortLength = Golden();
        BinaryPrimitives.WriteInt32BigEndian(shortLength.AsSpan(RecordBatchHeader.BatchLengthOffset), 10);
        Assert.Equal(RecordBatchError.InvalidLength, BatchBytes.Drain(shortLength));
    }

    [Fact]
    public void Errors_carry_a_message()
    {
        var reader = new RecordBatchReader(GoldenWith(65, 0x03));
        try
        {
            Assert.False(reader.MoveNext());
            Assert.Equal(RecordBatchError.InvalidLength, reader.Error);
            Assert.Contains("key length -2", reader.ErrorMessage);
        }
        finally
        {
            reader.Dispose();
        }
    }

    [Theory]
    [InlineData(CompressionType.None, false)]
    [InlineData(CompressionType.Gzip, false)]
    [InlineData(CompressionType.Snappy, false)]
    [InlineData(CompressionType.Snappy, true)]
    [InlineData(CompressionType.Lz4, false)]
    [InlineData(CompressionType.Zstd, false)]
    public void Truncating_a_batch_at_any_byte_reports_truncated(CompressionType compression, bool xerial)
    {
        byte[] batch = Built(compression, xerial);
        for (int length = 0; length < batch.Length; length++)
            Assert.Equal(RecordBatchError.Truncated, BatchBytes.Drain(batch.AsSpan(0, length)));
        Assert.Equal(RecordBatchError.None, BatchBytes.Drain(batch));
    }

    [Fact]
    public void A_partial_last_batch_in_a_fetch_chunk_stops_the_enumerator_cleanly()
    {
        byte[] first = Built(CompressionType.None);
        byte[] second = Built(CompressionType.Gzip);
        for (int cut = 0; cut < second.Length; cut++)
        {
            byte[] chunk = [.. first, .. second.AsSpan(0, cut)];
            var batches = new RecordBatchEnumerator(chunk);
            int count = 0;
            foreach (var batch in batches)
            {
                Assert.Equal(RecordBatchError.None, BatchBytes.Drain(batch));
                count++;
            }
            Assert.Equal(1, count);
            var records = new List<DecodedRecord>();
            Assert.Equal(cut == 0 ? RecordBatchError.None : RecordBatchError.Truncated,
                RecordBatchDecoder.TryDecodeAll(chunk, records, out _));
            Assert.Equal(5, records.Count);
        }
        Assert.Equal(10, RecordBatchDecoder.DecodeAll([.. first, .. second]).Count);
        Assert.Throws<MalformedMessageException>(() => RecordBatchDecoder.DecodeAll([.. first, .. second.AsSpan(0, 70)]));
    }

    [Fact]
    public void Enumerator_reports_position_and_header_of_each_batch()
    {
        byte[] first = Built(CompressionType.None);
        byte[] second = Built(CompressionType.Snappy);
        BinaryPrimitives.WriteInt64BigEndian(second, 5);
        var batches = new RecordBatchEnumerator([.. first, .. second], verifyCrc: true);
        Assert.True(batches.MoveNext());
        Assert.Equal(first.Length, batches.Consumed);
        Assert.True(batches.MoveNext());
        Assert.Equal(5, batches.CurrentHeader.BaseOffset);
        Assert.Equal(CompressionType.Snappy, batches.CurrentHeader.Compression);
        Assert.False(batches.MoveNext());
        Assert.Equal(RecordBatchError.None, batches.Error);
    }

    [Fact]
    public void Flipped_crc_is_a_crc_mismatch()
    {
        byte[] batch = Built(CompressionType.Gzip);
        batch[RecordBatchHeader.CrcOffset + 3] ^= 1;
        Assert.Equal(RecordBatchError.CrcMismatch, BatchBytes.Drain(batch));
    }

    [Fact]
    public void Record_count_too_low_or_too_high_is_a_mismatch()
    {
        Assert.Equal(RecordBatchError.RecordCountMismatch, BatchBytes.Drain(WithRecordCount(Golden(), 1)));
        Assert.Equal(RecordBatchError.RecordCountMismatch, BatchBytes.Drain(WithRecordCount(Golden(), 3)));
        Assert.Equal(RecordBatchError.RecordCountMismatch, BatchBytes.Drain(WithRecordCount(Golden(), int.MaxValue)));
        Assert.Equal(RecordBatchError.RecordCountMismatch, BatchBytes.Drain(WithRecordCount(Golden(), -5)));
    }

    [Theory]
    [InlineData((CompressionType)5)]
    [InlineData((CompressionType)6)]
    [InlineData((CompressionType)7)]
    public void Codecs_that_do_not_exist_are_unsupported(CompressionType compression)
    {
        var reader = new RecordBatchReader(WithAttributes(Golden(), (short)compression));
        try
        {
            Assert.False(reader.MoveNext());
            Assert.Equal(RecordBatchError.UnsupportedCompression, reader.Error);
            Assert.False(string.IsNullOrEmpty(reader.ErrorMessage));
        }
        finally
        {
            reader.Dispose();
        }
    }

    [Fact]
    public void Hostile_lengths_inside_records_are_invalid_lengths()
    {
        // Golden record 0: length at 61, key length at 65, value length at 66.
        Assert.Equal(RecordBatchError.InvalidLength, BatchBytes.Drain(GoldenWith(61, 0x7F)));       // record length -64
        Assert.Equal(RecordBatchError.InvalidLength, BatchBytes.Drain(GoldenWith(61, 0x7E)));       // record length 63 > section
        Assert.Equal(RecordBatchError.InvalidLength, BatchBytes.Drain(GoldenWith(66, 0x7E)));       // value length 63
        Assert.Equal(RecordBatchError.InvalidLength, BatchBytes.Drain(GoldenWith(66, 0x05)));       // value length -3
        Assert.Equal(RecordBatchError.InvalidLength, BatchBytes.Drain(GoldenWith(69, 0x01)));       // header count -1
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Decompression_bomb_beyond_the_limit_is_refused(CompressionType compression)
    {
        using var builder = new RecordBatchBuilder(compression);
        builder.Append(1, null, new byte[200_000]);
        byte[] batch = builder.ToArray();
        Assert.True(batch.Length < 20_000, $"{compression}: {batch.Length} bytes");
        Assert.Equal(RecordBatchError.CorruptCompressedData, BatchBytes.Drain(batch, maxRecordsBytes: 100_000));
        Assert.Equal(RecordBatchError.None, BatchBytes.Drain(batch, maxRecordsBytes: 200_100));
    }

    [Fact]
    public void Random_mutations_of_valid_batches_never_throw()
    {
        byte[][] seeds =
        [
            Golden(), Built(CompressionType.None), Built(CompressionType.Gzip),
            Built(CompressionType.Snappy), Built(CompressionType.Snappy, xerial: true),
            Built(CompressionType.Lz4), Built(CompressionType.Zstd),
        ];
        var gen =
            from seed in Gen.Elements(seeds)
            from edits in Gen.Choose(1, 6)
            from positions in Gen.Choose(0, int.MaxValue).ArrayOf(edits)
            from values in Gen.Choose(0, 255).ArrayOf(edits)
            from reseal in ArbMap.Default.GeneratorFor<bool>()
            from cut in Gen.Choose(0, 8)
            select (seed, positions, values, reseal, cut);
        var seen = new HashSet<RecordBatchError>();
        var prop = Prop.ForAll(Arb.From(gen), c =>
        {
            byte[] batch = (byte[])c.seed.Clone();
            for (int i = 0; i < c.positions.Length; i++)
                batch[c.positions[i] % batch.Length] = (byte)c.values[i];
            if (c.reseal)
                BatchBytes.Reseal(batch);
            var error = BatchBytes.Drain(batch.AsSpan(0, batch.Length - c.cut));
            seen.Add(error);
            var records = new List<DecodedRecord>();
            RecordBatchDecoder.TryDecodeAll(batch, records, out _);
            return true;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000), prop);
        Assert.True(seen.Count >= 4, "mutations should reach several different errors: " + string.Join(",", seen));
    }
}
