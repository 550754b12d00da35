using System.Globalization;
using System.Reflection;
using Microsoft.CodeAnalysis;
using ShardGen.Model;

namespace ShardGen.Generator.Tests;

/// <summary>
/// Indexes, unique, check and foreign-key constraints and column defaults: what the generator compiles into each
/// <see cref="TableDefinition"/>, and the reviewer scripts, which must say what the runtime creates.
/// </summary>
public sealed class ModelConstraintsTests
{
    private const string Model = """
        using System;
        using ShardGen;

        namespace Shop
        {
            /// <summary>A state.</summary>
            public enum Status
            {
                /// <summary>New.</summary>
                New,

                /// <summary>Paid.</summary>
                Paid = 5,
            }

            /// <summary>Customers, with every kind of index and constraint.</summary>
            [Distributed(nameof(TenantId))]
            [Index(nameof(TenantId), nameof(Email), IsUnique = true)]
            [Index(nameof(CreatedAt), Method = IndexMethod.Brin)]
            [Index(Expression = "to_tsvector('english', name)", Method = IndexMethod.Gin, Where = "deleted_at IS NULL")]
            [Index(nameof(TenantId), Name = "customers_by_tenant", Include = new[] { nameof(Name) })]
            [Unique(nameof(TenantId), nameof(Code))]
            [Check("customers_code_not_empty", "code <> ''")]
            [ForeignKey(typeof(Country), nameof(CountryId), OnDelete = ReferentialAction.Restrict)]
            public sealed record Customer(long TenantId, long Id, string Email, string Name, string Code, DateTimeOffset CreatedAt, DateTimeOffset? DeletedAt, long CountryId);

            /// <summary>Orders of a customer, colocated with customers; with defaults of every kind.</summary>
            [Distributed(nameof(TenantId), ColocateWith = typeof(Customer))]
            [ForeignKey(typeof(Customer), nameof(TenantId), nameof(CustomerId), OnDelete = ReferentialAction.Cascade)]
            public sealed class Order
            {
                /// <summary>Key.</summary>
                public long TenantId { get; set; }

                /// <summary>Id.</summary>
                public long Id { get; set; }

                /// <summary>Customer.</summary>
                public long CustomerId { get; set; }

                /// <summary>Quantity.</summary>
                [Default(-1)] public short Quantity { get; set; }

                /// <summary>Price.</summary>
                [Default(9.99)] public decimal Price { get; set; }

                /// <summary>Ratio.</summary>
                [Default(0.5)] public double Ratio { get; set; }

                /// <summary>Weight.</summary>
                [Default(1.25f)] public float Weight { get; set; }

                /// <summary>Active.</summary>
                [Default(true)] public bool Active { get; set; }

                /// <summary>Label.</summary>
                [Default("it's new")] public string Label { get; set; } = "";

                /// <summary>Status.</summary>
                [Default(Status.Paid)] public Status Status { get; set; }

                /// <summary>Created.</summary>
                [DefaultSql("now()")] public DateTimeOffset CreatedAt { get; set; }
            }

            /// <summary>A country.</summary>
            [Reference]
            public sealed record Country(long Id, string Code);

            /// <summary>A region of a country.</summary>
            [Reference]
            [ForeignKey(typeof(Country), nameof(CountryId))]
            public sealed record Region(long Id, long CountryId);

            /// <summary>An office in a region.</summary>
            [Local]
            [ForeignKey(typeof(Region), nameof(RegionId), Name = "offices_in_region")]
            public sealed record Office(long Id, long RegionId);
        }
        """;

    private static readonly Lazy<(Dictionary<string, string> Sources, Assembly Assembly)> Compiled = new(() => GeneratorHarness.CompileAndLoad(Model, "constraints"));

    private static SchemaDefinition Schema => (SchemaDefinition)Compiled.Value.Assembly.GetType("Shop.ShardDatabase")!
        .GetProperty("Schema", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static string Constant(string name) =>
        (string)Compiled.Value.Assembly.GetType("Shop.ShardDatabase")!.GetField(name)!.GetRawConstantValue()!;

    [Fact]
    public void Indexes_take_column_names_options_and_PostgreSQLs_default_names()
    {
        var indexes = Schema["customers"].Indexes;
        Assert.Equal(
            ["customers_tenant_id_email_key", "customers_created_at_idx", "customers_expr_idx", "customers_by_tenant"],
            indexes.Select(i => i.Name));
        Assert.Equal(["tenant_id", "email"], indexes[0].Columns);
        Assert.True(indexes[0].IsUnique);
        Assert.Equal(IndexMethod.BTree, indexes[0].Method);
        Assert.Equal(IndexMethod.Brin, indexes[1].Method);
        Assert.False(indexes[1].IsUnique);
        Assert.Empty(indexes[2].Columns);
        Assert.Equal("to_tsvector('english', name)", indexes[2].Expression);
        Assert.Equal(IndexMethod.Gin, indexes[2].Method);
        Assert.Equal("deleted_at IS NULL", indexes[2].Where);
        Assert.Equal(["tenant_id"], indexes[3].Columns);
        Assert.Equal(["name"], indexes[3].Include);
        Assert.Null(indexes[3].Where);
    }

    [Fact]
    public void Unique_check_and_foreign_key_constraints_reach_the_definition()
    {
        var customers = Schema["customers"];
        Assert.Equal([("customers_tenant_id_code_key", "tenant_id,code")], customers.UniqueConstraints.Select(u => (u.Name, string.Join(",", u.Columns))));
        Assert.Equal([("customers_code_not_empty", "code <> ''")], customers.CheckConstraints.Select(c => (c.Name, c.Sql)));

        var toCountry = Assert.Single(customers.ForeignKeys);
        Assert.Equal(("customers_country_id_fkey", "country_id", "countries", "id", ReferentialAction.Restrict),
            (toCountry.Name, string.Join(",", toCountry.Columns), toCountry.ReferencedTable, string.Join(",", toCountry.ReferencedColumns), toCountry.OnDelete));

        var toCustomer = Assert.Single(Schema["orders"].ForeignKeys);
        Assert.Equal(("orders_tenant_id_customer_id_fkey", "tenant_id,customer_id", "customers", "tenant_id,id", ReferentialAction.Cascade),
            (toCustomer.Name, string.Join(",", toCustomer.Columns), toCustomer.ReferencedTable, string.Join(",", toCustomer.ReferencedColumns), toCustomer.OnDelete));

        var toRegion = Assert.Single(Schema["offices"].ForeignKeys);
        Assert.Equal(("offices_in_region", "regions", ReferentialAction.NoAction), (toRegion.Name, toRegion.ReferencedTable, toRegion.OnDelete));
        Assert.Equal("countries", Assert.Single(Schema["regions"].ForeignKeys).ReferencedTable);
    }

    [Fact]
    public void Defaults_are_SQL_literals_of_the_property_type_whatever_the_culture()
    {
        // Compiled here under a culture that writes 9,99: the literals must not follow it.
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var (_, assembly) = GeneratorHarness.CompileAndLoad(Model, "constraints");
            var schema = (SchemaDefinition)assembly.GetType("Shop.ShardDatabase")!.GetProperty("Schema")!.GetValue(null)!;
            Assert.Equal(
                [
                    ("tenant_id", null), ("id", null), ("customer_id", null), ("quantity", "-1"), ("price", "9.99"), ("ratio", "0.5"),
                    ("weight", "1.25"), ("active", "true"), ("label", "'it''s new'"), ("status", "5"), ("created_at", "now()"),
                ],
                schema["orders"].Columns.Select(c => (c.Name, c.DefaultSql)));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void A_table_without_indexes_constraints_or_defaults_is_emitted_as_before()
    {
        var countries = Compiled.Value.Sources["Shop.Country.Repository.g.cs"];
        Assert.DoesNotContain("Indexes =", countries);
        Assert.DoesNotContain("ForeignKeys =", countries);
        Assert.DoesNotContain("DefaultSql", countries);
        Assert.Contains("colocationGroup: \"int8\")\n", Compiled.Value.Sources["Shop.Order.Repository.g.cs"]);
        Assert.Contains("new(\"price\", \"numeric\", IsNullable: false) { DefaultSql = \"9.99\" },", Compiled.Value.Sources["Shop.Order.Repository.g.cs"]);
        Assert.Contains("new(\"customers_by_tenant\", new string[] { \"tenant_id\" }) { Include = new string[] { \"name\" } },", Compiled.Value.Sources["Shop.Customer.Repository.g.cs"]);
    }

    [Fact]
    public void The_native_template_says_what_the_runtime_creates_on_each_copy()
    {
        const long shardId = 102008, principalShardId = 102040;
        const int min = -2147483648, max = -2013265921;
        var template = Constant("NativeDdlTemplate")
            .Replace("{customers.shardid}", principalShardId.ToString(CultureInfo.InvariantCulture))
            .Replace("{shardid}", shardId.ToString(CultureInfo.InvariantCulture))
            .Replace("{min}", min.ToString(CultureInfo.InvariantCulture))
            .Replace("{max}", max.ToString(CultureInfo.InvariantCulture));
        var statements = template.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal)).Select(l => l.TrimEnd(';')).ToList();

        var expected = new List<string>();
        foreach (var table in Schema.Tables)
        {
            var distributed = table.Kind == TableKind.Distributed;
            var physical = distributed ? table.Name + "_" + shardId.ToString(CultureInfo.InvariantCulture) : table.Name;
            expected.Add(distributed ? NativeDdl.CreateShardTable(table, shardId, min, max) : NativeDdl.CreateTable(table));
            expected.AddRange(table.Indexes.Select(index => RuntimeTableDdl.CreateIndex(index, physical, distributed ? shardId : null)));
        }

        foreach (var table in Schema.Tables)
        {
            var distributed = table.Kind == TableKind.Distributed;
            var physical = distributed ? table.Name + "_" + shardId.ToString(CultureInfo.InvariantCulture) : table.Name;
            expected.AddRange(table.ForeignKeys.Select(key => RuntimeTableDdl.AddForeignKey(
                key,
                physical,
                distributed ? shardId : null,
                Schema[key.ReferencedTable].Kind == TableKind.Distributed ? key.ReferencedTable + "_" + principalShardId.ToString(CultureInfo.InvariantCulture) : key.ReferencedTable)));
        }

        Assert.Equal(expected, statements);
        Assert.Contains("\"quantity\" smallint DEFAULT -1 NOT NULL", template);
        Assert.Contains("CONSTRAINT \"customers_tenant_id_code_key_102008\" UNIQUE (\"tenant_id\", \"code\")", template);
    }

    [Fact]
    public void The_Citus_script_creates_indexes_after_distributing_and_foreign_keys_after_every_table()
    {
        var lines = Constant("CitusDdl").Split('\n').ToList();
        int Line(string start) => lines.FindIndex(l => l.StartsWith(start, StringComparison.Ordinal));

        var distributeCustomers = Line("SELECT create_distributed_table('customers'");
        Assert.True(Line("CREATE TABLE IF NOT EXISTS \"customers\" (") < distributeCustomers);
        Assert.Equal(distributeCustomers + 1, Line("CREATE UNIQUE INDEX IF NOT EXISTS \"customers_tenant_id_email_key\" ON \"customers\" USING btree (\"tenant_id\", \"email\")"));
        Assert.Contains("CREATE INDEX IF NOT EXISTS \"customers_expr_idx\" ON \"customers\" USING gin ((to_tsvector('english', name))) WHERE deleted_at IS NULL;", lines);

        var lastDistribution = lines.FindLastIndex(l => l.StartsWith("SELECT create_", StringComparison.Ordinal));
        var foreignKeys = lines.Select((l, i) => (l, i)).Where(x => x.l.Contains("FOREIGN KEY", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, foreignKeys.Count);
        Assert.All(foreignKeys, key => Assert.True(key.i > lastDistribution, key.l));
        Assert.Contains(
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_tenant_id_customer_id_fkey\" FOREIGN KEY (\"tenant_id\", \"customer_id\") REFERENCES \"customers\" (\"tenant_id\", \"id\") ON DELETE CASCADE;",
            lines);
    }

    [Fact]
    public void A_refused_foreign_key_is_left_out_and_the_table_keeps_its_code()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run("""
            using ShardGen;

            namespace Shop
            {
                /// <summary>Distributed.</summary>
                [Distributed(nameof(TenantId))]
                public sealed record Customer(long TenantId, long Id);

                /// <summary>A reference table cannot reference a distributed one.</summary>
                [Reference]
                [ForeignKey(typeof(Customer), nameof(TenantId), nameof(CustomerId))]
                [Index(nameof(CustomerId))]
                public sealed record Note(long Id, long TenantId, long CustomerId);
            }
            """);
        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var notes = GeneratorHarness.Schema(result).Tables.Single(t => t.Table.TableName == "notes").Table;
        Assert.Empty(notes.ForeignKeys);
        Assert.Equal("notes_customer_id_idx", Assert.Single(notes.Indexes).Name);
        Assert.Single(GeneratorHarness.TableSpecs(result).OfType<Model.TableSpec>().Single(t => t.TableName == "notes").ForeignKeys);
        Assert.DoesNotContain("FOREIGN KEY", GeneratorHarness.Sources(result)["Sample.Shop.ShardDatabase.Ddl.g.cs"]);
    }

    /// <summary>
    /// The runtime's <c>ShardGen.TableDdl</c>, which writes every copy's DDL. It is internal (the runtime opens its
    /// internals to its own tests only), so it is called by reflection: the scripts must agree with it, not with a copy.
    /// </summary>
    private static class RuntimeTableDdl
    {
        private static readonly Type Type = typeof(NativeDdl).Assembly.GetType("ShardGen.TableDdl", throwOnError: true)!;

        public static string CreateIndex(IndexDefinition index, string physical, long? shardId) =>
            (string)Type.GetMethod("CreateIndex")!.Invoke(null, [index, physical, shardId, false])!;

        public static string AddForeignKey(ForeignKeyDefinition key, string physical, long? shardId, string referencedPhysical) =>
            (string)Type.GetMethod("AddForeignKey")!.Invoke(null, [key, physical, shardId, referencedPhysical, false])!;
    }
}
