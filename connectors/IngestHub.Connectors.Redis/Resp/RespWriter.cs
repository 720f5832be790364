using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace IngestHub.Connectors.Redis.Resp;

/// <summary>Encodes commands as RESP2 arrays of bulk strings straight into the output buffer.</summary>
internal static class RespWriter
{
    private const int MaxHeaderLength = 1 + 20 + 2;

    public static void Write(IBufferWriter<byte> output, in RedisCommand command)
    {
        WriteHeader(output, (byte)'*', command.Args.Length);
        foreach (var arg in command.Args)
            WriteBulk(output, arg);
    }

    private static void WriteBulk(IBufferWriter<byte> output, in RedisArg arg)
    {
        if (arg.IsText)
        {
            var text = arg.Text;
            WriteHeader(output, (byte)'$', Encoding.UTF8.GetByteCount(text));
            Encoding.UTF8.GetBytes(text, output);
        }
        else if (arg.IsInteger)
        {
            Span<byte> digits = stackalloc byte[20];
            Utf8Formatter.TryFormat(arg.IntegerValue, digits, out int length);
            WriteHeader(output, (byte)'$', length);
            output.Write(digits[..length]);
        }
        else
        {
            var bytes = arg.Bytes.Span;
            WriteHeader(output, (byte)'$', bytes.Length);
            output.Write(bytes);
        }
        WriteCrlf(output);
    }

    private static void WriteHeader(IBufferWriter<byte> output, byte prefix, long value)
    {
        var span = output.GetSpan(MaxHeaderLength);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out int length);
        span[1 + length] = (byte)'\r';
        span[2 + length] = (byte)'\n';
        output.Advance(3 + length);
    }

    private static void WriteCrlf(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(2);
        span[0] = (byte)'\r';
        span[1] = (byte)'\n';
        output.Advance(2);
    }
}
