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
    /// integer, numeric and floating types; NaN last), text by code point (the "C" collation; a merge
    /// under another collation orders text by ranks a server computed, see <see cref="TextCollation"/>),
    /// uuid and bytea byte by byte, booleans false first, times by instant.
    /// </summary>
    public static int Compare(object a, object b) => Compare(a, b, TextOrder.CodePoint);

    /// <summary>As <see cref="Compare(object, object)"/>, with text in <paramref name="text"/>'s order.</summary>
    internal static int Compare(object a, object b, TextOrder text)
    {
        switch (a)
        {
            case string x when b is string y:
                return text.Compare(x, y);
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

    /// <summary>Orders two values as an ORDER BY key does, NULLs first or last as asked.</summary>
    public static int Order(object? a, object? b, bool descending, bool nullsFirst) => Order(a, b, descending, nullsFirst, TextOrder.CodePoint);

    /// <summary>As <see cref="Order(object?, object?, bool, bool)"/>, with text in <paramref name="text"/>'s order.</summary>
    internal static int Order(object? a, object? b, bool descending, bool nullsFirst, TextOrder text)
    {
        if (a is null || b is null)
        {
            return a is null && b is null ? 0 : (a is null) == nullsFirst ? -1 : 1;
        }

        var result = Compare(a, b, text);
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
            _ => PostgresNumeric.Add(Convert.ToDecimal(a, CultureInfo.InvariantCulture), Convert.ToDecimal(b, CultureInfo.InvariantCulture)),
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
    internal static int CompareCodePoints(string x, string y)
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

/// <summary>PostgreSQL's numeric addition and division, for sums and averages merged over shards.</summary>
/// <remarks>
/// A numeric value is read into a <see cref="decimal"/> with its scale (Npgsql keeps <c>346.1300</c>'s
/// four digits); one that does not fit (more than 28 digits after the point, or a coefficient past
/// 2^96) fails with Npgsql's <see cref="OverflowException"/>. A merged value behaves the same: it is
/// computed exactly, and is either the decimal Npgsql would read from one server's result or that
/// exception; never a rounded neighbour.
/// </remarks>
internal static class PostgresNumeric
{
    private const int MinSignificantDigits = 16;
    private const int MaxDisplayScale = 1000;
    private const int DecimalDigitsPerDigit = 4;
    private const int MaxDecimalScale = 28;
    private static readonly BigInteger MaxCoefficient = (BigInteger.One << 96) - 1;

    /// <summary>a + b at the larger of their scales, as numeric_add gives it.</summary>
    public static decimal Add(decimal a, decimal b)
    {
        var sum = a + b;

        // decimal addition drops fraction digits, rounding, when the coefficient would overflow.
        if (Scale(sum) < Math.Max(Scale(a), Scale(b)))
        {
            throw TooLarge($"{a.ToString(CultureInfo.InvariantCulture)} + {b.ToString(CultureInfo.InvariantCulture)}");
        }

        return sum;
    }

    /// <summary>
    /// <paramref name="dividend"/> / <paramref name="divisor"/> at the scale PostgreSQL's
    /// <c>select_div_scale</c> picks (numeric.c: at least 16 significant digits, and at least each
    /// operand's scale, at most 1000), rounded half away from zero as <c>div_var</c> rounds; trailing
    /// zeros kept, as PostgreSQL keeps them (<c>346.1300000000000000</c>). avg is exactly this division
    /// of the sum by the count.
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
        scale = Math.Clamp(scale, 0, MaxDisplayScale);

        // dividend = m1 / 10^s1, divisor = m2 / 10^s2: the quotient times 10^scale is m1 * 10^(scale + s2) / (m2 * 10^s1).
        var (m1, s1) = Coefficient(dividend);
        var (m2, s2) = Coefficient(divisor);
        var numerator = m1 * BigInteger.Pow(10, scale + s2);
        var denominator = m2 * BigInteger.Pow(10, s1);
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        if (BigInteger.Abs(remainder) * 2 >= BigInteger.Abs(denominator))
        {
            quotient += (numerator.Sign * denominator.Sign) >= 0 ? 1 : -1;
        }

        if (scale > MaxDecimalScale || BigInteger.Abs(quotient) > MaxCoefficient)
        {
            throw TooLarge($"{dividend.ToString(CultureInfo.InvariantCulture)} / {divisor.ToString(CultureInfo.InvariantCulture)} (scale {scale.ToString(CultureInfo.InvariantCulture)})");
        }

        var magnitude = BigInteger.Abs(quotient);
        return new decimal(
            (int)(uint)(magnitude & uint.MaxValue),
            (int)(uint)((magnitude >> 32) & uint.MaxValue),
            (int)(uint)(magnitude >> 64),
            quotient.Sign < 0,
            (byte)scale);
    }

    private static OverflowException TooLarge(string what) => new(
        $"Numeric value does not fit in a System.Decimal: {what} merged over shards has more digits than a decimal holds, "
        + "as reading the same result from one server would report.");

    private static int Scale(decimal value) => (decimal.GetBits(value)[3] >> 16) & 0xFF;

    private static (BigInteger Coefficient, int Scale) Coefficient(decimal value)
    {
        var bits = decimal.GetBits(value);
        var magnitude = ((BigInteger)(uint)bits[2] << 64) | ((BigInteger)(uint)bits[1] << 32) | (uint)bits[0];
        return (value < 0 ? -magnitude : magnitude, Scale(value));
    }

    // numeric stores base-10000 digits: the weight is the position of the first non-zero one
    // (10000^weight <= |value| < 10000^(weight + 1)) and the first digit its value; 0 and 0 for zero.
    private static (int Weight, BigInteger FirstDigit) WeightAndFirstDigit(decimal value)
    {
        var (coefficient, scale) = Coefficient(Math.Abs(value));
        if (coefficient.IsZero)
        {
            return (0, 0);
        }

        var exponent = coefficient.ToString(CultureInfo.InvariantCulture).Length - 1 - scale;
        var weight = (int)Math.Floor(exponent / (double)DecimalDigitsPerDigit);
        var shift = (weight * DecimalDigitsPerDigit) + scale;
        var first = shift >= 0 ? coefficient / BigInteger.Pow(10, shift) : coefficient * BigInteger.Pow(10, -shift);
        return (weight, first);
    }
}
