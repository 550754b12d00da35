using System.Globalization;
using Npgsql;

namespace ShardGen.Tests.Differential;

/// <summary>
/// Sums and averages merged over shards are the decimals one server gives: the same value with the
/// same scale, or, where PostgreSQL's result does not fit a decimal, the OverflowException Npgsql
/// throws when it reads that result. The server computes <c>sum / count</c> (what avg is) and
/// <c>a + b</c> in numeric; the merge computes them from the partials.
/// </summary>
[Collection("differential")]
public sealed class MergedNumericTests(DifferentialFixture fixture)
{
    public static TheoryData<decimal, long> Averages => new()
    {
        { 692.26m, 2 },                        // 346.1300000000000000: the quotient terminates, the scale stays
        { 0.00m, 3800 },                       // 0.00000000000000000000
        { 0m, 1 },
        { 1m, 3 },
        { -2m, 3 },                            // rounded half away from zero on the negative side
        { 5m, 8 },
        { 12345678.9m, 7 },
        { -0.05m, 4 },
        { 1.5m, 10_000_000_000 },
        { 99999999999999999999.99m, 3 },
        { 79228162514264337593543950335m, 1 }, // the largest decimal, divided by one
        { 79228162514264337593543950335m, 7 },
        { 0.0000000000000001m, 3 },            // scale 36: more than a decimal holds
        { 0.000000001m, 7 },                   // scale 28: just fits
        { 0.0000000012345678901234567890m, 2 },
        { 1234567890123456789012.3456m, 3 },   // more digits than 96 bits hold at PostgreSQL's scale
    };

    [Theory]
    [MemberData(nameof(Averages))]
    public async Task An_average_merged_over_shards_is_what_one_server_returns(decimal sum, long count)
    {
        var expected = await ServerAsync("SELECT $1::numeric / $2::numeric", sum, count);
        var actual = Outcome(() => SqlValues.Average(sum, count));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Averages_of_random_sums_and_counts_are_what_one_server_returns()
    {
        var random = new Random(2718);
        for (var i = 0; i < 300; i++)
        {
            var scale = (byte)random.Next(0, 8);
            var sum = new decimal(random.Next(), random.Next(0, 1000), 0, random.Next(4) == 0, scale);
            var count = random.Next(3) == 0 ? random.NextInt64(1, 10_000_000_000) : random.Next(1, 5000);
            var expected = await ServerAsync("SELECT $1::numeric / $2::numeric", sum, count);
            Assert.True(expected == Outcome(() => SqlValues.Average(sum, count)), $"avg of sum {sum} over {count} rows: the server gives {expected}");
        }
    }

    public static TheoryData<decimal, decimal> Sums => new()
    {
        { 346.13m, 0.0000m },
        { 0.00m, 0.000m },
        { 79228162514264337593543950335m, 0m },
        { 7922816251426433759354395033.5m, 0.01m }, // the exact sum needs 30 digits
        { 79228162514264337593543950335m, 1m },     // past the largest decimal
    };

    [Theory]
    [MemberData(nameof(Sums))]
    public async Task Partial_sums_add_up_to_what_one_server_returns(decimal a, decimal b)
    {
        var expected = await ServerAsync("SELECT $1::numeric + $2::numeric", a, b);
        Assert.Equal(expected, Outcome(() => SqlValues.Add(a, b)));
    }

    /// <summary>The decimal Npgsql reads (with its scale), or the exception reading it throws.</summary>
    private async Task<string> ServerAsync(string sql, object a, object b)
    {
        await using var connection = new NpgsqlConnection(fixture.Oracle);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = a });
        command.Parameters.Add(new NpgsqlParameter { Value = b });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return Outcome(() => reader.GetDecimal(0));
    }

    private static string Outcome(Func<object?> compute)
    {
        try
        {
            return compute() is decimal value ? value.ToString(CultureInfo.InvariantCulture) : "not a decimal";
        }
        catch (OverflowException)
        {
            return nameof(OverflowException);
        }
    }
}
