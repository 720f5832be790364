using System.Text;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// The fields-grouping hash: FNV-1a over a canonical encoding of the selected values, stable across processes and
/// restarts (string.GetHashCode is not), so a key goes to the same task after the appliance restarts. Integers
/// of any width hash alike, so 5 and 5L pick the same task.
/// </summary>
internal static class StableHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Of(object?[] values, int[] indexes)
    {
        ulong h = Offset;
        foreach (int i in indexes)
            h = Mix(h, values[i]);
        return h;
    }

    private static ulong Mix(ulong h, object? value)
    {
        switch (value)
        {
            case null:
                return Byte(h, 0);
            case string s:
                h = Byte(h, 1);
                foreach (char c in s)
                {
                    h = Byte(h, (byte)c);
                    h = Byte(h, (byte)(c >> 8));
                }
                return h;
            case long or int or short or sbyte or byte or ushort or uint:
                return Long(Byte(h, 2), Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            case ulong u:
                return Long(Byte(h, 2), unchecked((long)u));
            case bool b:
                return Byte(Byte(h, 3), b ? (byte)1 : (byte)0);
            case double d:
                return Long(Byte(h, 4), BitConverter.DoubleToInt64Bits(d));
            case float f:
                return Long(Byte(h, 4), BitConverter.DoubleToInt64Bits(f));
            case byte[] bytes:
                h = Byte(h, 5);
                foreach (byte x in bytes)
                    h = Byte(h, x);
                return h;
            default:
                h = Byte(h, 6);
                foreach (byte x in Encoding.UTF8.GetBytes(StreamTuple.AsString(value) ?? ""))
                    h = Byte(h, x);
                return h;
        }
    }

    private static ulong Byte(ulong h, byte b) => (h ^ b) * Prime;

    private static ulong Long(ulong h, long v)
    {
        for (int i = 0; i < 8; i++)
            h = Byte(h, (byte)(v >> (i * 8)));
        return h;
    }
}
