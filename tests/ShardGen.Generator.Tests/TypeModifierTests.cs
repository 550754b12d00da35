using System.Globalization;
using System.Reflection;
using ShardGen.Model;

namespace ShardGen.Generator.Tests;

/// <summary>
/// Type modifiers ([Precision], [MaxLength], [Column(TypeName = ...)]): what the generator compiles into each column's
/// type, written as PostgreSQL's format_type writes it, and the reviewer scripts, which must say what the runtime creates.
/// </summary>
public sealed class TypeModifierTests
{
    private const string Model = """
        using System;
        using System.ComponentModel.DataAnnotations;
        using ShardGen;

        namespace Shop
        {
            /// <summary>Every modifier, in each of its spellings.</summary>
            [Distributed(nameof(TenantId))]
            public sealed class Invoice
            {
                /// <summary>Key.</summary>
                public long TenantId { get; set; }

                /// <summary>Id.</summary>
                public long Id { get; set; }

                /// <summary>numeric(12,2).</summary>
                [Precision(12, 2)] public decimal Total { get; set; }

                /// <summary>numeric(5,0).</summary>
                [Precision(5)] public decimal Units { get; set; }

                /// <summary>numeric(1000,1000) through TypeName.</summary>
                [Column(TypeName = "DECIMAL ( 1000 , 1000 )")] public decimal? Ratio { get; set; }

                /// <summary>varchar(80).</summary>
                [MaxLength(80)] public string Title { get; set; } = "";

                /// <summary>char(3), with its own name.</summary>
                [Column("currency_code", TypeName = "char(3)")] public string Currency { get; set; } = "";

                /// <summary>varchar(20)?.</summary>
                [Column(TypeName = "varchar(20)")] public string? Reference { get; set; }

                /// <summary>timestamptz(3).</summary>
                [Precision(3)] public DateTimeOffset IssuedAt { get; set; }

                /// <summary>timestamptz(0) through TypeName.</summary>
                [Column(TypeName = "timestamp(0) with time zone")] public DateTime DueAt { get; set; }

                /// <summary>time(0).</summary>
                [Column(TypeName = "time(0)")] public TimeOnly Cutoff { get; set; }

                /// <summary>interval(2).</summary>
                [Precision(2)] public TimeSpan Grace { get; set; }

                /// <summary>The type's own name: no modifier.</summary>
                [Column(TypeName = "text")] public string Note { get; set; } = "";

                /// <summary>No modifier.</summary>
                public decimal Plain { get; set; }
            }

            /// <summary>A table without modifiers.</summary>
            [Reference]
            public sealed record Country(long Id, string Code, decimal Rate, DateTimeOffset Since, TimeOnly Opens, TimeSpan Offset);
        }
        """;

    private static readonly Lazy<(Dictionary<string, string> Sources, Assembly Assembly)> Compiled = new(() => GeneratorHarness.CompileAndLoad(Model, "modifiers"));

    private static SchemaDefinition Schema => (SchemaDefinition)Compiled.Value.Assembly.GetType("Shop.ShardDatabase")!
        .GetProperty("Schema", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static string Constant(string name) =>
        (string)Compiled.Value.Assembly.GetType("Shop.ShardDatabase")!.GetField(name)!.GetRawConstantValue()!;

    [Fact]
    public void Columns_get_their_types_with_modifiers_as_format_type_writes_them()
    {
        Assert.Equal(
            [
                ("tenant_id", "bigint"), ("id", "bigint"), ("total", "numeric(12,2)"), ("units", "numeric(5,0)"), ("ratio", "numeric(1000,1000)"),
                ("title", "character varying(80)"), ("currency_code", "character(3)"), ("reference", "character varying(20)"),
                ("issued_at", "timestamp(3) with time zone"), ("due_at", "timestamp(0) with time zone"), ("cutoff", "time(0) without time zone"),
                ("grace", "interval(2)"), ("note", "text"), ("plain", "numeric"),
            ],
            Schema["invoices"].Columns.Select(c => (c.Name, c.SqlType)));
    }

    [Fact]
    public void A_table_without_modifiers_keeps_its_plain_types_and_fingerprint()
    {
        var countries = Schema["countries"];
        Assert.Equal(
            ["bigint", "text", "numeric", "timestamp with time zone", "time without time zone", "interval"],
            countries.Columns.Select(c => c.SqlType));

        // What clusters recorded before modifiers existed: the same text, so the same fingerprint.
        Assert.Equal(
            "table countries\nkind reference\ncolumn id bigint not null\ncolumn code text not null\ncolumn rate numeric not null\n"
            + "column since timestamp with time zone not null\ncolumn opens time without time zone not null\ncolumn offset interval not null\nprimary key id\n",
            countries.Canonical);
    }

    [Fact]
    public void Both_reviewer_scripts_write_the_modifiers_as_the_runtime_does()
    {
        const long shardId = 102008;
        var template = Constant("NativeDdlTemplate")
            .Replace("{shardid}", shardId.ToString(CultureInfo.InvariantCulture))
            .Replace("{min}", "-2147483648")
            .Replace("{max}", "-2013265921");
        var invoices = Schema["invoices"];
        Assert.Contains(NativeDdl.CreateShardTable(invoices, shardId, int.MinValue, -2013265921) + ";", template);

        var citus = Constant("CitusDdl");
        Assert.Contains(NativeDdl.CreateTable(invoices) + ";", citus);
        Assert.Contains(
            "\"total\" numeric(12,2) NOT NULL, \"units\" numeric(5,0) NOT NULL, \"ratio\" numeric(1000,1000), \"title\" character varying(80) NOT NULL, "
            + "\"currency_code\" character(3) NOT NULL, \"reference\" character varying(20), \"issued_at\" timestamp(3) with time zone NOT NULL, "
            + "\"due_at\" timestamp(0) with time zone NOT NULL, \"cutoff\" time(0) without time zone NOT NULL, \"grace\" interval(2) NOT NULL, \"note\" text NOT NULL",
            citus);
    }
}
