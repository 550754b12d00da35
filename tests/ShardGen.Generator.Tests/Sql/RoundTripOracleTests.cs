using System.Text;
using System.Text.RegularExpressions;
using ShardGen.Generator.Sql;
using Xunit.Abstractions;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>
/// ShardGen's tree against PostgreSQL's: a statement ShardGen parses, written back as SQL by <see cref="SqlWriter"/> from the tree
/// alone, must parse in PostgreSQL (libpg-query) to the same tree as the original, which the oracle's fingerprint (a hash of the
/// parse tree without locations) compares. A clause the tree loses, an operator bound at the wrong precedence or a literal read
/// wrongly changes the fingerprint. The statements: the constructs a pinned query must run (all must agree), every [Query] of the
/// tests and samples that parses (all must agree), the DML of PostgreSQL's regression suite (a floor), and a few thousand
/// expressions generated from a grammar of operators of every precedence (all that PostgreSQL accepts must agree, and ShardGen
/// must refuse all it rejects).
/// </summary>
public sealed partial class RoundTripOracleTests(ITestOutputHelper output)
{
    /// <summary>Statements of the regression corpus that round-trip to PostgreSQL's own tree; raise it as the parser grows, never lower it.</summary>
    private const int RegressCorpusRoundTripsAtLeast = 17477;

    [SkippableFact]
    public void Every_construct_round_trips()
    {
        var statements = PostgresOracle.ReadConstructs("constructs.sql");
        var outcome = RoundTrip(statements);
        output.WriteLine($"{outcome.Agreed} of {statements.Count} constructs round-trip");
        Assert.True(outcome.Failures.Count == 0, string.Join("\n", outcome.Failures));
        Assert.Equal(statements.Count, outcome.Agreed);
    }

    [SkippableFact]
    public void Every_query_of_the_tests_and_samples_round_trips()
    {
        var statements = QueriesOfTheRepository().Where(sql => SqlParser.Parse(sql).Statement is not null).ToList();
        var outcome = RoundTrip(statements);
        output.WriteLine($"{statements.Count} [Query] statements of the tests and samples parse; {outcome.Agreed} round-trip, {outcome.Rejected} are not valid PostgreSQL");
        Assert.True(outcome.Failures.Count == 0, string.Join("\n", outcome.Failures));
        Assert.True(statements.Count >= 100, $"Only {statements.Count} [Query] statements found: the extraction is broken");
    }

    [SkippableFact]
    public void Regression_suite_dml_round_trips()
    {
        var statements = PostgresOracle.ReadRegressionCorpus().Where(sql => SqlParser.Parse(sql).Statement is not null).ToList();
        var outcome = RoundTrip(statements);
        output.WriteLine($"{statements.Count} statements of the regression corpus parse; {outcome.Agreed} round-trip to PostgreSQL's tree, {outcome.Failures.Count} do not, {outcome.Rejected} PostgreSQL rejects");
        foreach (var failure in outcome.Failures.Take(100))
        {
            output.WriteLine(failure.Replace('\n', ' '));
        }

        Assert.True(outcome.Agreed >= RegressCorpusRoundTripsAtLeast, $"{outcome.Agreed} statements of the corpus round-trip, fewer than {RegressCorpusRoundTripsAtLeast}");
    }

    [SkippableFact]
    public void Generated_expressions_round_trip()
    {
        var generator = new ExpressionGenerator(new Random(14));
        var statements = Enumerable.Range(0, 5000).Select(_ => generator.Statement()).ToList();
        var verdicts = PostgresOracle.Judge(statements);
        var accepted = new List<string>();
        var failures = new List<string>();
        var unsupported = new List<string>();
        for (var i = 0; i < statements.Count; i++)
        {
            var result = SqlParser.Parse(statements[i]);
            if (!verdicts[i].Ok)
            {
                if (result.Statement is not null)
                {
                    failures.Add($"PostgreSQL rejects ({verdicts[i].Error}) what ShardGen parses: {statements[i]}");
                }
            }
            else if (result.Problems.Any(p => p.Kind == SqlProblemKind.Syntax))
            {
                failures.Add($"ShardGen reports a syntax error ({string.Join("; ", result.Problems.Select(p => p.Message))}) on what PostgreSQL accepts: {statements[i]}");
            }
            else if (result.Statement is null)
            {
                unsupported.Add($"{string.Join("; ", result.Problems.Select(p => p.Message))}: {statements[i]}");
            }
            else
            {
                accepted.Add(statements[i]);
            }
        }

        var outcome = RoundTrip(accepted);
        failures.AddRange(outcome.Failures);
        output.WriteLine($"{statements.Count} generated statements; PostgreSQL accepts {accepted.Count + unsupported.Count}, ShardGen parses {accepted.Count} of them (refuses {unsupported.Count} as unsupported), {outcome.Agreed} round-trip");
        foreach (var refusal in unsupported.Take(20))
        {
            output.WriteLine("unsupported: " + refusal);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(50)));
        Assert.True(accepted.Count >= statements.Count / 2, $"Only {accepted.Count} of {statements.Count} generated statements are valid and parsed: the generator makes too few valid ones");
    }

    private sealed record Outcome(int Agreed, int Rejected, List<string> Failures);

    /// <summary>
    /// Parses each statement with ShardGen, writes the tree back and compares PostgreSQL's fingerprints of both texts. A statement
    /// PostgreSQL rejects is counted, not compared; one ShardGen does not parse is a failure.
    /// </summary>
    private static Outcome RoundTrip(IReadOnlyList<string> statements)
    {
        var written = new List<string>();
        var failures = new List<string>();
        foreach (var sql in statements)
        {
            var result = SqlParser.Parse(sql);
            if (result.Statement is null)
            {
                failures.Add($"ShardGen refuses ({string.Join("; ", result.Problems.Select(p => p.Message))}): {sql}");
                written.Add(string.Empty);
                continue;
            }

            written.Add(SqlWriter.Write(result.Statement));
        }

        var verdicts = PostgresOracle.Judge(statements.Concat(written).ToList());
        int agreed = 0, rejected = 0;
        for (var i = 0; i < statements.Count; i++)
        {
            var (original, rewritten) = (verdicts[i], verdicts[statements.Count + i]);
            if (written[i].Length == 0)
            {
                continue;
            }

            if (!original.Ok)
            {
                rejected++;
            }
            else if (!rewritten.Ok)
            {
                failures.Add($"PostgreSQL rejects the written SQL ({rewritten.Error}):\n  {statements[i]}\n  {written[i]}");
            }
            else if (original.Fingerprint != rewritten.Fingerprint)
            {
                failures.Add($"The trees differ:\n  {statements[i]}\n  {written[i]}");
            }
            else
            {
                agreed++;
            }
        }

        return new Outcome(agreed, rejected, failures);
    }

    /// <summary>The SQL of every <c>[Query("...")]</c> in the C# files of tests/ and samples/: plain, verbatim and raw string literals.</summary>
    private static List<string> QueriesOfTheRepository()
    {
        var root = Path.GetFullPath(Path.Combine(SourceFolder(), "..", "..", ".."));
        var queries = new List<string>();
        foreach (var folder in new[] { "tests", "samples" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                foreach (Match match in QueryAttribute().Matches(File.ReadAllText(file)))
                {
                    var sql = match.Groups["raw"].Success ? match.Groups["raw"].Value
                        : match.Groups["verbatim"].Success ? match.Groups["verbatim"].Value.Replace("\"\"", "\"")
                        : Regex.Unescape(match.Groups["plain"].Value);
                    if (sql.Trim().Length > 0)
                    {
                        queries.Add(sql);
                    }
                }
            }
        }

        return queries.Distinct(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex("""\[Query\(\s*(?:(?<q>"{3,})(?<raw>[\s\S]*?)\k<q>|@"(?<verbatim>(?:[^"]|"")*)"|"(?<plain>(?:[^"\\\n]|\\.)*)")""")]
    private static partial Regex QueryAttribute();

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    /// <summary>
    /// Random statements whose expressions mix operators of every precedence level of PostgreSQL's grammar, each operand in
    /// parentheses now and then: what the text means is left to the precedence of the operators around it.
    /// </summary>
    private sealed class ExpressionGenerator(Random random)
    {
        private static readonly string[] Infix =
        [
            "OR", "AND", "=", "<", ">=", "<>", "+", "-", "*", "/", "%", "^", "||", "->>", "@>", "#", "LIKE", "NOT ILIKE", "SIMILAR TO",
            "IS DISTINCT FROM", "IS NOT DISTINCT FROM", "OPERATOR(pg_catalog.+)", "~~", "!~*", "@@", "?|", "<->", "&&", "OVERLAPS",
        ];

        private static readonly string[] Prefix = ["NOT ", "- ", "+ ", "~ ", "|/ ", "@ ", "OPERATOR(pg_catalog.-) "];

        private static readonly string[] Postfix =
        [
            " IS NULL", " IS NOT NULL", " ISNULL", " NOTNULL", " IS TRUE", " IS NOT UNKNOWN", "::int", "::text[]", " COLLATE \"C\"",
            " AT TIME ZONE 'UTC'", "[1]", "[@i:2]", "[:@j]", " IS DOCUMENT", " IS NOT NFC NORMALIZED", " IS JSON OBJECT WITH UNIQUE KEYS",
            " IS NOT FALSE",
        ];

        private static readonly string[] Atoms = ["a", "b", "t.c", "\"D\"", "@p", "@q", "1", "2.5", "'x'", "TRUE", "NULL", "1e3", "-3"];

        public string Statement() => random.Next(10) switch
        {
            6 => $"SELECT {Expr(1)} FROM t {Pick(SetOperators)} SELECT {Expr(1)} FROM u {Pick(SetOperators)} SELECT a FROM v WHERE {Expr(1)} ORDER BY 1",
            7 => $"INSERT INTO t (a, b) VALUES ({Expr(2)}, DEFAULT) ON CONFLICT (a) DO UPDATE SET b = {Expr(2)} WHERE {Expr(1)} RETURNING a",
            8 => $"WITH w AS (SELECT a FROM u WHERE {Expr(1)}) DELETE FROM t USING w WHERE {Expr(2)}",
            9 => $"SELECT DISTINCT ON (a) a, sum(b) FROM t GROUP BY {Pick(["ROLLUP (a, {0})", "CUBE ({0})", "GROUPING SETS ((a), ({0}), ())", "a, {0}"]).Replace("{0}", Expr(1))} ORDER BY a, {Expr(1)} NULLS FIRST",
            0 => $"SELECT {Expr(2)}, {Expr(3)} FROM t WHERE {Expr(3)}",
            1 => $"SELECT {Expr(3)} FROM t ORDER BY {Expr(2)} DESC",
            2 => $"UPDATE t SET a = {Expr(3)} WHERE {Expr(2)}",
            3 => $"SELECT t.a FROM t JOIN u ON {Expr(2)} WHERE {Expr(2)} LIMIT {Pick(["10", "@n", "ALL"])}",
            4 => $"SELECT sum(a) OVER (PARTITION BY {Expr(1)} ORDER BY {Expr(1)} {Pick(Frames)}) FROM t WHERE {Expr(2)}",
            _ => $"SELECT count(*) FROM t GROUP BY {Expr(2)} HAVING {Expr(3)}",
        };

        private static readonly string[] SetOperators = ["UNION", "UNION ALL", "INTERSECT", "EXCEPT ALL", "EXCEPT"];

        private static readonly string[] Frames =
        [
            "", "ROWS 2 PRECEDING", "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", "GROUPS BETWEEN 1 PRECEDING AND @n FOLLOWING EXCLUDE TIES",
            "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE NO OTHERS",
        ];

        private string Expr(int depth)
        {
            var text = depth <= 0 ? Atom() : Compound(depth - 1);
            return random.Next(4) == 0 ? "(" + text + ")" : text;
        }

        private string Atom() => random.Next(16) switch
        {
            0 => $"f({Expr(0)}, {Expr(0)})",
            1 => $"date '2020-01-0{random.Next(1, 10)}'",
            2 => Pick(["interval '1' day", "N'x'", "char 'c'", "B'101'", "X'1F'", "E'a\\nb'", "$$it's$$", "CURRENT_DATE", "ROW()"]),
            3 => Pick(["trim(LEADING 'x' FROM {0})", "substring({0} FROM 2 FOR 1)", "substring({0} FOR 1)", "extract(year FROM {0})", "position('a' IN {0})", "overlay({0} PLACING 'x' FROM 2)"]).Replace("{0}", Expr(0)),
            4 => Pick(["{0} IN (SELECT a FROM u WHERE {1})", "EXISTS (SELECT 1 FROM u WHERE {0} AND {1})", "(SELECT max(a) FROM u WHERE {0} = {1})", "ARRAY(SELECT a FROM u WHERE {0} ORDER BY {1})"]).Replace("{0}", Expr(0)).Replace("{1}", Expr(0)),
            5 => Pick(["count(*) FILTER (WHERE {0})", "percentile_cont({0}) WITHIN GROUP (ORDER BY {1} DESC)", "format('%s', VARIADIC {0})", "make_interval(days => {0}, hours := {1})", "string_agg({0}, ',' ORDER BY {1} NULLS LAST)", "normalize({0}, NFKC)", "COLLATION FOR ({0})", "ARRAY[[{0}], [{1}]]", "CURRENT_TIMESTAMP(3)"]).Replace("{0}", Expr(0)).Replace("{1}", Expr(0)),
            _ => Atoms[random.Next(Atoms.Length)],
        };

        private string Compound(int depth) => random.Next(16) switch
        {
            < 5 => $"{Expr(depth)} {Pick(Infix)} {Expr(depth)}",
            5 => Pick(Prefix) + Expr(depth),
            6 => Expr(depth) + Pick(Postfix),
            7 => $"{Expr(depth)} {Pick(["BETWEEN", "NOT BETWEEN", "BETWEEN SYMMETRIC"])} {Expr(depth)} AND {Expr(depth)}",
            8 => $"{Expr(depth)} {Pick(["IN", "NOT IN"])} ({Expr(depth)}, {Expr(depth)})",
            9 => $"{Expr(depth)} {Pick(["LIKE", "NOT LIKE", "ILIKE"])} {Expr(depth)} ESCAPE '!'",
            10 => $"CASE WHEN {Expr(depth)} THEN {Expr(depth)} ELSE {Expr(depth)} END",
            11 => $"CASE {Expr(depth)} WHEN {Expr(depth)} THEN {Expr(depth)} END",
            12 => $"CAST({Expr(depth)} AS numeric(10, 2))",
            13 => $"{Expr(depth)} {Pick(["=", "<>", "LIKE", ">"])} {Pick(["ANY", "ALL"])} ({Expr(depth)})",
            14 => Pick(["ARRAY[{0}, {1}]", "ROW({0}, {1})", "({0}, {1})", "coalesce({0}, {1})", "sum(DISTINCT {0} ORDER BY {1})"]).Replace("{0}", Expr(depth)).Replace("{1}", Expr(depth)),
            _ => $"({Expr(depth)}){Pick(["[1]", ".f", "::int", "[2:3]"])}",
        };

        private string Pick(string[] choices) => choices[random.Next(choices.Length)];
    }
}
