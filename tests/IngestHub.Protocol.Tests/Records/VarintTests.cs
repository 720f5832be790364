using FsCheck;
using FsCheck.Fluent;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Protocol.Tests.Records;

public class VarintTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(-1, new byte[] { 0x01 })]
    [InlineData(1, new byte[] { 0x02 })]
    [InlineData(63, new byte[] { 0x7E })]
    [InlineData(-64, new byte[] { 0x7F })]
    [InlineData(64, new byte[] { 0x80, 0x01 })]
    [InlineData(300, new byte[] { 0xD8, 0x04 })]
    [InlineData(int.MaxValue, new byte[] { 0xFE, 0xFF, 0xFF, 0xFF, 0x0F })]
    [InlineData(int.MinValue, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    public void Varint_encodes_zigzag_as_kafka_does(int value, byte[] expected)
    {
        var buffer = new byte[5];
        Assert.True(Varint.TryWriteVarint(buffer, value, out int written));
        Assert.Equal(expected, buffer[..written]);
        Assert.Equal(expected.Length, Varint.SizeOfVarint(value));
        Assert.True(Varint.TryReadVarint(expected, out int read, out int bytesRead));
        Assert.Equal(value, read);
        Assert.Equal(expected.Length, bytesRead);
    }

    [Fact]
    public void Varlong_round_trips_any_value()
    {
        var prop = Prop.ForAll(ArbMap.Default.ArbFor<long>(), value =>
        {
            var buffer = new byte[10];
            int written = Varint.WriteVarlong(buffer, value);
            return written == Varint.SizeOfVarlong(value)
                && Varint.TryReadVarlong(buffer.AsSpan(0, written), out long read, out int n)
                && read == value && n == written;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), prop);
        Assert.Equal(10, Varint.SizeOfVarlong(long.MinValue));
    }

    [Fact]
    public void Varint_round_trips_any_value()
    {
        var prop = Prop.ForAll(ArbMap.Default.ArbFor<int>(), value =>
        {
            var buffer = new byte[5];
            int written = Varint.WriteVarint(buffer, value);
            return Varint.TryReadVarint(buffer.AsSpan(0, written), out int read, out int n) && read == value && n == written;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), prop);
    }

    [Fact]
    public void Varint_with_six_continuation_bytes_overflows()
    {
        byte[] bytes = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
        Assert.Equal(RecordBatchError.VarintOverflow, Varint.ReadVarint(bytes, out _, out _));
        Assert.False(Varint.TryReadVarint(bytes, out _, out _));
        // Five bytes with the continuation bit already exceed a varint.
        Assert.Equal(RecordBatchError.VarintOverflow, Varint.ReadVarint(bytes.AsSpan(1), out _, out _));
    }

    [Fact]
    public void Varlong_with_eleven_bytes_overflows()
    {
        byte[] bytes = [.. Enumerable.Repeat((byte)0x80, 10), 0x00];
        Assert.Equal(RecordBatchError.VarintOverflow, Varint.ReadVarlong(bytes, out _, out _));
        Assert.True(Varint.TryReadVarlong(bytes.AsSpan(1), out long value, out int n));
        Assert.Equal(0, value);
        Assert.Equal(10, n);
    }

    [Fact]
    public void Truncated_varint_reports_truncated()
    {
        Assert.Equal(RecordBatchError.Truncated, Varint.ReadVarint([0x80, 0x80], out _, out _));
        Assert.Equal(RecordBatchError.Truncated, Varint.ReadVarint([], out _, out _));
        Assert.Equal(RecordBatchError.Truncated, Varint.ReadVarlong([0xFF], out _, out _));
    }

    [Fact]
    public void Write_into_too_short_span_fails_cleanly()
    {
        Assert.False(Varint.TryWriteVarint(new byte[1], 64, out _));
        Assert.False(Varint.TryWriteVarlong(new byte[9], long.MinValue, out _));
    }
}
