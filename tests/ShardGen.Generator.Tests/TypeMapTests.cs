using ShardGen.Generator.Model;

namespace ShardGen.Generator.Tests;

/// <summary>CLR property types → PostgreSQL column types, as the parser and <see cref="SqlTypes"/> map them.</summary>
public sealed class TypeMapTests
{
    [Theory]
    [InlineData("bool", "boolean", false)]
    [InlineData("bool?", "boolean", true)]
    [InlineData("short", "smallint", false)]
    [InlineData("byte", "smallint", false)]
    [InlineData("sbyte", "smallint", false)]
    [InlineData("int", "integer", false)]
    [InlineData("int?", "integer", true)]
    [InlineData("ushort", "integer", false)]
    [InlineData("long", "bigint", false)]
    [InlineData("uint", "bigint", false)]
    [InlineData("uint?", "bigint", true)]
    [InlineData("decimal", "numeric", false)]
    [InlineData("float", "real", false)]
    [InlineData("double", "double precision", false)]
    [InlineData("string", "text", false)]
    [InlineData("string?", "text", true)]
    [InlineData("System.Guid", "uuid", false)]
    [InlineData("System.DateTime", "timestamp with time zone", false)]
    [InlineData("System.DateTimeOffset", "timestamp with time zone", false)]
    [InlineData("System.DateTimeOffset?", "timestamp with time zone", true)]
    [InlineData("System.DateOnly", "date", false)]
    [InlineData("System.TimeOnly", "time without time zone", false)]
    [InlineData("System.TimeSpan", "interval", false)]
    [InlineData("byte[]", "bytea", false)]
    [InlineData("byte[]?", "bytea", true)]
    [InlineData("IntEnum", "integer", false)]
    [InlineData("IntEnum?", "integer", true)]
    [InlineData("LongEnum", "bigint", false)]
    [InlineData("ShortEnum", "smallint", false)]
    [InlineData("ByteEnum", "smallint", false)]
    [InlineData("SByteEnum", "smallint", false)]
    [InlineData("UIntEnum", "bigint", false)]
    public void A_supported_type_maps_to_its_column_type(string clrType, string sqlType, bool nullable)
    {
        var column = ColumnOf(clrType);

        Assert.NotNull(column);
        Assert.Equal(sqlType, SqlTypes.SqlType(column.Type));
        Assert.Equal(nullable, column.IsNullable);
    }

    [Theory]
    [InlineData("ulong")]
    [InlineData("char")]
    [InlineData("object")]
    [InlineData("System.Uri")]
    [InlineData("System.Collections.Generic.List<int>")]
    [InlineData("int[]")]
    [InlineData("ULongEnum")]
    [InlineData("nint")]
    public void An_unsupported_type_skips_the_table(string clrType)
    {
        Assert.Null(ColumnOf(clrType));
    }

    [Fact]
    public void An_enum_column_keeps_its_enum_type()
    {
        var column = ColumnOf("ShortEnum");

        Assert.Equal("global::Types.ShortEnum", column!.EnumTypeName);
        Assert.Equal(ColumnType.Int16, column.Type);
    }

    [Fact]
    public void A_string_outside_a_nullable_context_is_a_nullable_column_except_in_the_key()
    {
        var (result, _, _) = GeneratorHarness.Run("""
            #nullable disable
            using ShardGen;
            namespace Types;
            [Reference]
            public sealed record Oblivious(string Id, string Name);
            """);

        var table = Assert.IsType<TableSpec>(Assert.Single(GeneratorHarness.TableSpecs(result)));
        Assert.False(table.Columns[0].IsNullable);
        Assert.True(table.Columns[1].IsNullable);
    }

    [Fact]
    public void Every_column_type_has_a_PostgreSQL_type_a_parameter_type_and_a_reader()
    {
        foreach (var type in Enum.GetValues<ColumnType>())
        {
            Assert.NotEmpty(SqlTypes.SqlType(type));
            Assert.NotEmpty(SqlTypes.NpgsqlDbType(type));
            Assert.NotEmpty(SqlTypes.StorageTypeName(type));
            Assert.StartsWith("reader.", SqlTypes.ReaderCall(type, "0"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Default_colocation_groups_are_named_after_the_key_type()
    {
        Assert.Equal("int4", SqlTypes.DefaultColocationGroup(DistributionKeyType.Int32));
        Assert.Equal("int8", SqlTypes.DefaultColocationGroup(DistributionKeyType.Int64));
        Assert.Equal("text", SqlTypes.DefaultColocationGroup(DistributionKeyType.Text));
        Assert.Equal("uuid", SqlTypes.DefaultColocationGroup(DistributionKeyType.Uuid));
    }

    private static ColumnSpec? ColumnOf(string clrType)
    {
        var (result, _, _) = GeneratorHarness.Run($$"""
            using ShardGen;
            namespace Types;
            public enum IntEnum { A }
            public enum LongEnum : long { A }
            public enum ShortEnum : short { A }
            public enum ByteEnum : byte { A }
            public enum SByteEnum : sbyte { A }
            public enum UIntEnum : uint { A }
            public enum ULongEnum : ulong { A }
            [Reference]
            public sealed record Probe(int Id, {{clrType}} Value);
            """);

        var table = Assert.Single(GeneratorHarness.TableSpecs(result));
        return table?.Columns[1];
    }
}
