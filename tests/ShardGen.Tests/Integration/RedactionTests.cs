using Npgsql;
using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

/// <summary>
/// Keys are often personal data (here, 2,000-character e-mail addresses): errors name a routed call's
/// key by its type and length unless the data source opts in with <c>IncludeErrorDetail()</c> or the
/// coordinator's <c>Include Error Detail=true</c>, and then show only its first 64 characters.
/// </summary>
public sealed class RedactionTests(RedactionTests.Cluster fixture) : IClassFixture<RedactionTests.Cluster>
{
    private const string Redacted = "key redacted (text, 2000 characters; IncludeErrorDetail() shows it)";

    /// <summary>Reads a voucher's key as a uuid: PostgreSQL's message quotes the value it could not read.</summary>
    private static readonly QueryDefinition CastToUuid = new(
        "ShardGen.Tests.Integration.RedactionTests.CastToUuid", QueryTarget.Router,
        new SqlTemplate("SELECT (\"code\"::text)::uuid FROM ", " WHERE \"code\" = $1"),
        routingTable: "vouchers");

    private static readonly SchemaDefinition Schema = new([.. ShardDatabase.Schema.Tables], [.. ShardDatabase.Schema.Queries, CastToUuid]);

    [Fact]
    public async Task By_default_a_failed_routed_call_names_table_shard_and_worker_and_only_the_keys_type_and_length()
    {
        var key = Email("default");
        var db = new ShardDatabase(fixture.Source);
        await db.Vouchers.InsertAsync(new Voucher(key, 1, "first"));

        var error = await Assert.ThrowsAsync<ShardOperationException>(() => db.Vouchers.InsertAsync(new Voucher(key, 1, "again")));

        var route = await fixture.Source.RouteAsync(VoucherRepository.Definition, key);
        Assert.Equal("23505", error.SqlState);
        Assert.Equal(route.ShardId, error.ShardId);
        Assert.Contains($"Table 'vouchers', shard {route.ShardId} (\"{route.ShardTable}\"", error.Message);
        Assert.Contains($"worker '{route.Node.Name}'", error.Message);
        Assert.Contains(Redacted, error.Message);
        Assert.InRange(error.Message.Length, 1, 400);

        // Neither ShardGen's message nor Npgsql's detail (redacted by Npgsql) carries any of the key.
        Assert.DoesNotContain("default.", error.ToString());
        Assert.DoesNotContain("example.com", error.ToString());
        Assert.DoesNotContain("DETAIL", error.Message);
    }

    [Fact]
    public async Task With_IncludeErrorDetail_the_message_shows_the_first_64_characters_and_the_server_detail_the_whole_key()
    {
        var key = Email("opted-in");
        await using var source = fixture.CreateSource(builder => builder.IncludeErrorDetail());
        var db = new ShardDatabase(source);
        await db.Vouchers.InsertAsync(new Voucher(key, 1, "first"));

        var error = await Assert.ThrowsAsync<ShardOperationException>(() => db.Vouchers.InsertAsync(new Voucher(key, 1, "again")));

        var route = await source.RouteAsync(VoucherRepository.Definition, key);
        Assert.Contains($"shard {route.ShardId} (\"{route.ShardTable}\"", error.Message);
        Assert.Contains($"worker '{route.Node.Name}'", error.Message);
        Assert.Contains($"key '{key[..64]}…' (the first 64 of 2000 characters): failed (constraint \"vouchers_pkey\" of table 'vouchers'): 23505", error.Message);

        // The option is Npgsql's Include Error Detail on every node: the server's detail names the row,
        // and the message repeats the first 200 characters of it.
        var server = Assert.IsType<PostgresException>(error.InnerException);
        Assert.Contains(key, server.Detail);
        Assert.Contains($"DETAIL: {server.Detail![..200]}… ({server.Detail.Length} characters; the inner exception has all of them)", error.Message);
        Assert.DoesNotContain(key[..200], error.Message);
        Assert.InRange(error.Message.Length, 1, 700);
    }

    [Fact]
    public async Task The_coordinators_connection_string_opts_in_and_the_builder_call_overrides_it()
    {
        var coordinator = fixture.Postgres.CoordinatorConnectionString + ";Include Error Detail=true";
        var key = "alice@example.com";
        await using (var source = fixture.CreateSource(coordinator: coordinator))
        {
            var db = new ShardDatabase(source);
            await db.Vouchers.InsertAsync(new Voucher(key, 1, "first"));
            var error = await Assert.ThrowsAsync<ShardOperationException>(() => db.Vouchers.InsertAsync(new Voucher(key, 1, "again")));
            Assert.Contains("key 'alice@example.com': failed (constraint \"vouchers_pkey\" of table 'vouchers'): 23505", error.Message);

            // The workers' own connection strings did not opt in: their detail is Npgsql's notice.
            Assert.Contains("DETAIL: Detail redacted as it may contain sensitive data.", error.Message);
        }

        await using (var source = fixture.CreateSource(builder => builder.IncludeErrorDetail(false), coordinator))
        {
            var db = new ShardDatabase(source);
            var error = await Assert.ThrowsAsync<ShardOperationException>(() => db.Vouchers.InsertAsync(new Voucher(key, 1, "again")));
            Assert.Contains("key redacted (text, 17 characters; IncludeErrorDetail() shows it)", error.Message);
            Assert.DoesNotContain("alice", error.ToString());
        }
    }

    [Fact]
    public async Task A_key_of_the_wrong_type_is_refused_by_its_type_and_its_value_shown_only_with_the_option()
    {
        const long key = 4_242_424_242;
        var query = fixture.Source.Query(CastToUuid);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => query.ListAsync(key, key, Bind, static r => r.GetGuid(0), default));
        Assert.Contains("is routed by text keys (colocation group 'text'); the key given is bigint.", refused.Message);
        Assert.DoesNotContain("4242424242", refused.Message);

        await using var source = fixture.CreateSource(builder => builder.IncludeErrorDetail());
        var shown = await Assert.ThrowsAsync<ArgumentException>(() => source.Query(CastToUuid).ListAsync(key, key, Bind, static r => r.GetGuid(0), default));
        Assert.Contains("the key given is bigint (4242424242).", shown.Message);
    }

    [Fact]
    public async Task A_server_message_that_quotes_a_long_value_is_cut_in_ShardGens_message_and_whole_in_the_inner_exception()
    {
        var key = Email("cast");
        var db = new ShardDatabase(fixture.Source);
        await db.Vouchers.InsertAsync(new Voucher(key, 1, "cast"));

        var error = await Assert.ThrowsAsync<ShardOperationException>(() =>
            fixture.Source.Query(CastToUuid).ListAsync(key, key, static (parameters, code) => parameters.Add(new NpgsqlParameter<string> { TypedValue = code }), static r => r.GetGuid(0), default));

        // PostgreSQL's own message names the value (invalid input syntax for type uuid: "..."): Npgsql
        // passes it on as it is, ShardGen repeats at most 500 characters of it.
        Assert.Equal("22P02", error.SqlState);
        Assert.Contains(key, error.InnerException!.Message);
        Assert.Contains(Redacted, error.Message);
        var server = Assert.IsType<PostgresException>(error.InnerException);
        Assert.Contains($"22P02: {server.MessageText[..500]}… ({server.MessageText.Length} characters; the inner exception has all of them)", error.Message);
        Assert.InRange(error.Message.Length, 1, 900);
    }

    [Fact]
    public void A_text_key_is_cut_before_a_surrogate_pair_rather_than_through_it()
    {
        ShardKey key = new string('a', 63) + "🙂" + new string('b', 100);
        Assert.Equal($"'{new string('a', 63)}…' (the first 63 of 165 characters)", key.ForMessage(includeValue: true));
        Assert.Equal("redacted (text, 165 characters; IncludeErrorDetail() shows it)", key.ForMessage(includeValue: false));
        Assert.Equal("redacted (uuid; IncludeErrorDetail() shows it)", ((ShardKey)Guid.Empty).ForMessage(includeValue: false));
        Assert.Equal("42", ((ShardKey)42).ForMessage(includeValue: true));
    }

    private static void Bind(NpgsqlParameterCollection parameters, long key) =>
        parameters.Add(new NpgsqlParameter<long> { TypedValue = key });

    // An e-mail-like key of exactly 2,000 characters.
    private static string Email(string tag) =>
        tag + "." + new string('x', 2000 - tag.Length - 1 - "@example.com".Length) + "@example.com";

    /// <summary>A cluster with the test model and <see cref="CastToUuid"/> applied, and its default data source.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        public LocalPostgresCluster Postgres { get; private set; } = null!;

        public ShardedDataSource Source { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Postgres = await LocalPostgresCluster.StartAsync(workers: 2);
            Source = CreateSource();
            await new ShardDatabase(Source).ApplySchemaAsync();
        }

        /// <summary>Another data source over the same cluster, configured by <paramref name="configure"/>.</summary>
        public ShardedDataSource CreateSource(Action<ShardedDataSourceBuilder>? configure = null, string? coordinator = null)
        {
            var builder = new ShardedDataSourceBuilder(coordinator ?? Postgres.CoordinatorConnectionString).UseSchema(Schema);
            for (var i = 0; i < Postgres.WorkerConnectionStrings.Count; i++)
            {
                builder.AddWorker(Postgres.WorkerConnectionStrings[i], $"worker{i + 1}");
            }

            configure?.Invoke(builder);
            return builder.Build();
        }

        public async Task DisposeAsync()
        {
            if (Source is not null)
            {
                await Source.DisposeAsync();
            }

            if (Postgres is not null)
            {
                await Postgres.DisposeAsync();
            }
        }
    }
}
