using System.Globalization;
using System.Numerics;

namespace ShardGen;

/// <summary>
/// Values of merged multi-shard results, compared, combined and converted as PostgreSQL does:
/// what generated fan-out code uses where a value's type is only known at run time.
/// </summary>
public static class SqlValues
{
    /// <summary>
    /// Compares two non-null values in PostgreSQL's order for their types: numbers by value (across
    /// integer, numeric and floating types; NaN last), text by code point (the "C" collation),
    /// uuid and bytea byte by byte, booleans false first, times by instant.
    /// </summary>
    public static int Compare(object a, object b)
    {
        switch (a)
        {
            case string x when b is string y:
                return CompareCodePoints(x, y);
            case Guid x when b is Guid y:
                return CompareUuids(x, y);
            case byte[] x when b is byte[] y:
                return x.AsSpan().SequenceCompareTo(y);
            case bool x when b is bool y:
                return x.CompareTo(y);
            case DateTime x when b is DateTime y:
                return x.ToUniversalTime().CompareTo(y.ToUniversalTime());
            case DateTimeOffset x when b is DateTimeOffset y:
                return x.CompareTo(y);
        }

        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double or float || b is double or float)
            {
                var x = Convert.ToDouble(a, CultureInfo.InvariantCulture);
                var y = Convert.ToDouble(b, CultureInfo.InvariantCulture);
                return double.IsNaN(x) ? (double.IsNaN(y) ? 0 : 1) : double.IsNaN(y) ? -1 : x.CompareTo(y);
            }

            if (a is BigInteger || b is BigInteger)
            {
                return ToBigInteger(a).CompareTo(ToBigInteger(b));
            }

            return Convert.ToDecimal(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(b, CultureInfo.InvariantCulture));
        }

        if (a is IComparable comparable && a.GetType() == b.GetType())
        {
            return comparable.CompareTo(b);
        }

        throw new InvalidOperationException($"Values of types {a.GetType().Name} and {b.GetType().Name} cannot be compared.");
    }

    /// <summary>A comparison in SQL's three-valued logic: null when either side is NULL.</summary>
    public static bool? Compare(object? a, object? b, Func<int, bool> test) =>
        a is null || b is null ? null : test(Compare(a, b));

    /// <summary>Orders two values as an ORDER BY key does, NULLs first or last as asked.</summary>
    public static int Order(object? a, object? b, bool descending, bool nullsFirst)
    {
        if (a is null || b is null)
        {
            return a is null && b is null ? 0 : (a is null) == nullsFirst ? -1 : 1;
        }

        var result = Compare(a, b);
        return descending ? -result : result;
    }

    /// <summary>Adds two partial sums or counts; NULL (no rows) is the identity.</summary>
    public static object? Add(object? a, object? b)
    {
        if (a is null)
        {
            return b;
        }

        if (b is null)
        {
            return a;
        }

        return (a, b) switch
        {
            (double x, _) => x + Convert.ToDouble(b, CultureInfo.InvariantCulture),
            (_, double y) => Convert.ToDouble(a, CultureInfo.InvariantCulture) + y,
            (float x, _) => x + Convert.ToSingle(b, CultureInfo.InvariantCulture),
            (_, float y) => Convert.ToSingle(a, CultureInfo.InvariantCulture) + y,
            (TimeSpan x, TimeSpan y) => x + y,
            (long x, long y) => AddIntegers(x, y),
            (int x, int y) => (long)x + y,
            (short x, short y) => (long)x + y,
            (BigInteger x, _) => x + ToBigInteger(b),
            (_, BigInteger y) => ToBigInteger(a) + y,
            _ => Convert.ToDecimal(a, CultureInfo.InvariantCulture) + Convert.ToDecimal(b, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The smaller of two partial minimums; NULL (no rows) is the identity.</summary>
    public static object? Min(object? a, object? b) => a is null ? b : b is null ? a : Compare(a, b) <= 0 ? a : b;

    /// <summary>The larger of two partial maximums; NULL (no rows) is the identity.</summary>
    public static object? Max(object? a, object? b) => a is null ? b : b is null ? a : Compare(a, b) >= 0 ? a : b;

    /// <summary>
    /// avg from a combined sum and count, as PostgreSQL computes it: floating sums divide in double;
    /// integer and numeric sums divide in numeric with PostgreSQL's result scale, rounded half away
    /// from zero. NULL when there were no rows.
    /// </summary>
    public static object? Average(object? sum, object? count)
    {
        if (sum is null || count is null)
        {
            return null;
        }

        var n = Convert.ToDecimal(count, CultureInfo.InvariantCulture);
        if (n == 0)
        {
            return null;
        }

        return sum switch
        {
            double d => d / (double)n,
            float f => (double)f / (double)n,
            TimeSpan t => TimeSpan.FromTicks((long)Math.Round(t.Ticks / n, MidpointRounding.AwayFromZero)),
            _ => PostgresNumeric.Divide(Convert.ToDecimal(sum, CultureInfo.InvariantCulture), n),
        };
    }

    /// <summary>Converts a value read or computed at run time to the type of the member it fills.</summary>
    public static T To<T>(object? value)
    {
        if (value is null or DBNull)
        {
            return default(T) is null ? default! : throw new InvalidCastException($"A NULL cannot be read into a non-nullable {typeof(T).Name}.");
        }

        if (value is T same)
        {
            return same;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (target.IsEnum)
        {
            return (T)Enum.ToObject(target, Convert.ChangeType(value, Enum.GetUnderlyingType(target), CultureInfo.InvariantCulture));
        }

        object converted = value switch
        {
            BigInteger big when target == typeof(decimal) => (decimal)big,
            BigInteger big when target == typeof(long) => (long)big,
            DateTime dateTime when target == typeof(DateTimeOffset) => new DateTimeOffset(dateTime.ToUniversalTime()),
            DateTimeOffset offset when target == typeof(DateTime) => offset.UtcDateTime,
            DateTime dateTime when target == typeof(DateOnly) => DateOnly.FromDateTime(dateTime),
            TimeSpan span when target == typeof(TimeOnly) => TimeOnly.FromTimeSpan(span),
            _ => Convert.ChangeType(value, target, CultureInfo.InvariantCulture),
        };
        return (T)converted;
    }

    internal static bool IsNumber(object value) =>
        value is byte or sbyte or short or ushort or int or uint or long or ulong or decimal or double or float or BigInteger;

    private static object AddIntegers(long x, long y)
    {
        var sum = x + y;
        return ((x ^ sum) & (y ^ sum)) < 0 ? (decimal)x + y : sum;
    }

    private static BigInteger ToBigInteger(object value) => value switch
    {
        BigInteger big => big,
        decimal d => new BigInteger(d),
        _ => new BigInteger(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
    };

    /// <summary>Code point order, which is PostgreSQL's "C" collation (UTF-8 byte order).</summary>
    private static int CompareCodePoints(string x, string y)
    {
        var i = 0;
        var j = 0;
        while (i < x.Length && j < y.Length)
        {
            var a = CodePointAt(x, i, out var aLength);
            var b = CodePointAt(y, j, out var bLength);
            if (a != b)
            {
                return a < b ? -1 : 1;
            }

            i += aLength;
            j += bLength;
        }

        return (x.Length - i).CompareTo(y.Length - j);
    }

    private static int CompareUuids(Guid x, Guid y)
    {
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        x.TryWriteBytes(a, bigEndian: true, out _);
        y.TryWriteBytes(b, bigEndian: true, out _);
        return a.SequenceCompareTo(b);
    }

    private static int CodePointAt(string text, int index, out int length)
    {
        if (char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(text[index], text[index + 1]);
        }

        length = 1;
        return text[index];
    }
}

/// <summary>PostgreSQL's numeric division, for avg over integer and numeric columns.</summary>
internal static class PostgresNumeric
{
    private const int MinSignificantDigits = 16;
    private const int DecimalDigitsPerDigit = 4;

    /// <summary>
    /// <paramref name="dividend"/> / <paramref name="divisor"/> at the scale PostgreSQL's
    /// <c>select_div_scale</c> picks (numeric.c: at least 16 significant digits, and at least each
    /// operand's scale), rounded half away from zero as <c>div_var</c> rounds. avg is exactly this
    /// division of the sum by the count.
    /// </summary>
    public static decimal Divide(decimal dividend, decimal divisor)
    {
        var (weight1, first1) = WeightAndFirstDigit(dividend);
        var (weight2, first2) = WeightAndFirstDigit(divisor);
        var qweight = weight1 - weight2;
        if (first1 <= first2)
        {
            qweight--;
        }

        var scale = MinSignificantDigits - (qweight * DecimalDigitsPerDigit);
        scale = Math.Max(scale, Scale(dividend));
        scale = Math.Max(scale, Scale(divisor));
        scale = Math.Clamp(scale, 0, 28);
        return Math.Round(dividend / divisor, scale, MidpointRounding.AwayFromZero);
    }

    private static int Scale(decimal value) => (decimal.GetBits(value)[3] >> 16) & 0xFF;

    // numeric stores base-10000 digits: the weight is the position of the first non-zero one and
    // the first digit its value (0 and 0 for zero).
    private static (int Weight, decimal FirstDigit) WeightAndFirstDigit(decimal value)
    {
        value = Math.Abs(value);
        if (value == 0)
        {
            return (0, 0);
        }

        var weight = 0;
        while (value >= 10000)
        {
            value /= 10000;
            weight++;
        }

        while (value < 1)
        {
            value *= 10000;
            weight--;
        }

        return (weight, Math.Floor(value));
    }
}
