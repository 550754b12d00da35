using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

public sealed partial class ShardGenGenerator
{
    internal static partial class Emitter
    {
        /// <summary>The shard count of a colocation group created by the Citus script (Citus's default, and ShardGen's).</summary>
        private const int CitusShardCount = 32;

        public static void EmitDatabase(SourceProductionContext context, SchemaModel schema, EquatableArray<QueryRef> queries)
        {
            if (schema.Tables.Count == 0)
            {
                return;
            }

            context.AddSource(schema.Namespace.Replace("@", string.Empty) + ".ShardDatabase.g.cs", DatabaseSource(schema, queries));
        }

        public static void EmitDdl(SourceProductionContext context, SchemaModel schema)
        {
            if (schema.Tables.Count > 0)
            {
                context.AddSource(schema.Namespace.Replace("@", string.Empty) + ".ShardDatabase.Ddl.g.cs", DdlSource(schema));
            }
        }

        public static string DatabaseSource(SchemaModel schema, EquatableArray<QueryRef> queries)
        {
            var writer = new IndentedWriter();
            WriteHeader(writer, schema.Namespace);
            writer.Line("/// <summary>");
            writer.Line("/// The sharded database of this assembly: one repository per table. Build the data source with");
            writer.Line("/// <see cref=\"Schema\"/>, create the tables with <see cref=\"ApplySchemaAsync\"/>, then use the repositories.");
            writer.Line("/// </summary>");
            writer.Line(GeneratedCodeAttribute);
            writer.Line($"{(schema.IsPublic ? "public" : "internal")} sealed partial class ShardDatabase");
            using (writer.Block())
            {
                writer.Line("/// <summary>Every table and [Query] method of the assembly, ordered by name: what <c>ShardedDataSourceBuilder.UseSchema</c> takes.</summary>");
                writer.Line("public static global::ShardGen.Model.SchemaDefinition Schema { get; } = new(");
                using (writer.Indent())
                {
                    writer.Line("new global::ShardGen.Model.TableDefinition[]");
                    using (writer.Block(","))
                    {
                        foreach (var table in schema.Tables)
                        {
                            writer.Line($"{RepositoryType(table.Table)}.Definition,");
                        }
                    }

                    writer.Line("new global::ShardGen.Model.QueryDefinition[]");
                    using (writer.Block(");"))
                    {
                        foreach (var query in queries.OrderBy(q => q.Namespace, System.StringComparer.Ordinal).ThenBy(q => q.TypeName, System.StringComparer.Ordinal).ThenBy(q => q.MethodName, System.StringComparer.Ordinal))
                        {
                            var type = "global::" + (query.Namespace.Length == 0 ? string.Empty : query.Namespace + ".") + Naming.EscapeIdentifier(query.TypeName);
                            writer.Line($"{type}.ShardGenQueries.{Naming.EscapeIdentifier(query.MethodName)},");
                            for (var i = 0; i < query.MoreDefinitions; i++)
                            {
                                writer.Line($"{type}.ShardGenQueries.{query.MethodName}__More[{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}],");
                            }
                        }
                    }
                }

                writer.Line();
                writer.Line("/// <summary>Opens the repositories over a data source built with <see cref=\"Schema\"/>.</summary>");
                writer.Line("public ShardDatabase(global::ShardGen.ShardedDataSource dataSource)");
                using (writer.Block())
                {
                    writer.Line("global::System.ArgumentNullException.ThrowIfNull(dataSource);");
                    writer.Line("DataSource = dataSource;");
                    foreach (var table in schema.Tables)
                    {
                        var repository = RepositoryType(table.Table);
                        writer.Line($"{table.PropertyName} = new {repository}(dataSource.Table({repository}.Definition));");
                    }
                }

                writer.Line();
                writer.Line("/// <summary>The data source the repositories run on.</summary>");
                writer.Line("public global::ShardGen.ShardedDataSource DataSource { get; }");
                foreach (var table in schema.Tables)
                {
                    writer.Line();
                    writer.Line($"/// <summary>Table <c>{Xml(table.Table.TableName)}</c>.</summary>");
                    writer.Line($"public {RepositoryType(table.Table)} {table.PropertyName} {{ get; }}");
                }

                writer.Line();
                writer.Line("/// <summary>Creates what is missing of the schema: tables, colocation groups, shards and their placements.</summary>");
                writer.Line($"public {Task} ApplySchemaAsync({CancellationTokenParameter}) => DataSource.ApplySchemaAsync(cancellationToken);");
            }

            return writer.ToString();
        }

        /// <summary>
        /// The DDL as constants. Each script is a raw string literal between the lines
        /// <c>// &lt;shardgen-sql name="citus.sql"&gt;</c> and <c>// &lt;/shardgen-sql&gt;</c>: a build step
        /// can extract it into a .sql file by taking the lines between the opening <c>"""</c> and the
        /// closing <c>""";</c> and removing the closing line's indentation from each.
        /// </summary>
        public static string DdlSource(SchemaModel schema)
        {
            var writer = new IndentedWriter();
            WriteHeader(writer, schema.Namespace);
            writer.Line($"{(schema.IsPublic ? "public" : "internal")} sealed partial class ShardDatabase");
            using (writer.Block())
            {
                writer.Line("// <shardgen-sql name=\"citus.sql\">");
                writer.Line("/// <summary>The schema as a script for a Citus coordinator: the tables, then their distribution.</summary>");
                WriteConstant(writer, "CitusDdl", CitusDdl(schema));
                writer.Line("// </shardgen-sql>");
                writer.Line();
                writer.Line("// <shardgen-sql name=\"native.sql\">");
                writer.Line("/// <summary>");
                writer.Line("/// The tables that <see cref=\"ApplySchemaAsync\"/> creates on plain PostgreSQL servers, for reading:");
                writer.Line("/// a distributed table's statement runs once per shard, with <c>{shardid}</c>, <c>{min}</c> and");
                writer.Line("/// <c>{max}</c> replaced by the shard's id and hash range.");
                writer.Line("/// </summary>");
                WriteConstant(writer, "NativeDdlTemplate", NativeDdlTemplate(schema));
                writer.Line("// </shardgen-sql>");
            }

            return writer.ToString();
        }

        private static string CitusDdl(SchemaModel schema)
        {
            var firstOfGroup = FirstTableOfEachGroup(schema);
            var sql = new StringBuilder();
            sql.Append("-- ShardGen schema for Citus: run on the coordinator.\n");
            sql.Append("-- The first table of each colocation group (by name) creates the group's shards; the others colocate with it.\n");
            foreach (var model in schema.Tables)
            {
                var table = model.Table;
                sql.Append('\n');
                sql.Append("-- ").Append(SqlText.Identifier(table.TableName)).Append(": ").Append(Describe(model)).Append('\n');
                sql.Append(TableDdl.CreateTable(table, table.TableName, string.Empty)).Append(";\n");
                if (table.Kind == TableKind.Reference)
                {
                    sql.Append("SELECT create_reference_table(").Append(SqlText.RegclassLiteral(table.TableName)).Append(");\n");
                }
                else if (table.Kind == TableKind.Distributed)
                {
                    // Citus matches the distribution column by its exact name (no quoting, no case folding),
                    // so the column is a plain literal; the tables are regclass texts.
                    var first = firstOfGroup[model.ColocationGroup!];
                    sql.Append("SELECT create_distributed_table(").Append(SqlText.RegclassLiteral(table.TableName))
                        .Append(", ").Append(SqlText.Literal(table.Columns[table.DistributionKey].ColumnName))
                        .Append(", colocate_with => ")
                        .Append(first == table.TableName ? "'none', shard_count => " + CitusShardCount.ToString(System.Globalization.CultureInfo.InvariantCulture) : SqlText.RegclassLiteral(first))
                        .Append(");\n");
                }

                // Citus creates an index of a distributed or reference table on each of its shards.
                foreach (var index in table.Indexes)
                {
                    sql.Append(TableDdl.CreateIndex(table, index, table.TableName, string.Empty)).Append(";\n");
                }
            }

            // Once every table is distributed, so that each key joins tables Citus already knows as colocated or reference.
            var foreignKeys = ForeignKeys(schema, model => model.Table.TableName, string.Empty, principal => principal.TableName);
            if (foreignKeys.Length > 0)
            {
                sql.Append("\n-- Foreign keys, once every table is distributed.\n").Append(foreignKeys);
            }

            return sql.ToString();
        }

        private static string NativeDdlTemplate(SchemaModel schema)
        {
            var sql = new StringBuilder();
            sql.Append("-- ShardGen schema, native flavour: the tables ApplySchemaAsync creates.\n");
            sql.Append("-- {shardid} is a shard's id and {min}..{max} its range of the 32-bit hash space.\n");
            if (schema.Tables.Any(m => m.Table.Indexes.Count + m.Table.UniqueConstraints.Count + m.Table.CheckConstraints.Count + m.Table.ForeignKeys.Count > 0))
            {
                sql.Append("-- A shard's indexes and constraints are named {name}_{shardid} (shortened with a hash of the name past 63 bytes).\n");
            }
            foreach (var model in schema.Tables)
            {
                var table = model.Table;
                var physical = table.Kind == TableKind.Distributed ? table.TableName + "_{shardid}" : table.TableName;
                var suffix = table.Kind == TableKind.Distributed ? "_{shardid}" : string.Empty;
                sql.Append('\n');
                sql.Append("-- ").Append(SqlText.Identifier(table.TableName)).Append(": ").Append(Describe(model));
                switch (table.Kind)
                {
                    case TableKind.Distributed:
                        var key = SqlText.Identifier(table.Columns[table.DistributionKey].ColumnName);
                        sql.Append(", created once per shard on the worker holding it.\n");
                        sql.Append(TableDdl.CreateTable(table, physical, suffix,
                            "CONSTRAINT " + SqlText.Identifier(physical + "_hash_range") + " CHECK (" + SqlTypes.HashFunction(table.KeyType) + "(" + key + ") BETWEEN {min} AND {max})"));
                        break;
                    case TableKind.Reference:
                        sql.Append(", created on every worker and the coordinator.\n");
                        sql.Append(TableDdl.CreateTable(table, physical, suffix));
                        break;
                    default:
                        sql.Append(", created on the coordinator.\n");
                        sql.Append(TableDdl.CreateTable(table, physical, suffix));
                        break;
                }

                sql.Append(";\n");
                foreach (var index in table.Indexes)
                {
                    sql.Append(TableDdl.CreateIndex(table, index, physical, suffix)).Append(";\n");
                }
            }

            // A shard's key references the shard of the colocated principal with the same hash range, on the same worker.
            var foreignKeys = ForeignKeys(
                schema,
                model => model.Table.Kind == TableKind.Distributed ? model.Table.TableName + "_{shardid}" : model.Table.TableName,
                "_{shardid}",
                principal => principal.Kind == TableKind.Distributed ? principal.TableName + "_{" + principal.TableName + ".shardid}" : principal.TableName);
            if (foreignKeys.Length > 0)
            {
                sql.Append("\n-- Foreign keys, once every table exists; {table.shardid} is the id of that colocated table's shard with the same range.\n").Append(foreignKeys);
            }

            return sql.ToString();
        }

        /// <summary>The foreign keys of every table, in table order, each on the copy <paramref name="physical"/> names.</summary>
        private static string ForeignKeys(SchemaModel schema, System.Func<TableModel, string> physical, string shardSuffix, System.Func<TableSpec, string> referencedPhysical)
        {
            var tables = schema.Tables.ToDictionary(m => m.Table.TableName, m => m.Table, System.StringComparer.Ordinal);
            var sql = new StringBuilder();
            foreach (var model in schema.Tables)
            {
                var table = model.Table;
                var suffix = table.Kind == TableKind.Distributed ? shardSuffix : string.Empty;
                foreach (var key in table.ForeignKeys)
                {
                    sql.Append(TableDdl.AddForeignKey(table, key, physical(model), suffix, referencedPhysical(tables[key.PrincipalTable!]))).Append(";\n");
                }
            }

            return sql.ToString();
        }

        private static string Describe(TableModel model) => model.Table.Kind switch
        {
            TableKind.Distributed => $"distributed by {SqlText.Identifier(model.Table.Columns[model.Table.DistributionKey].ColumnName)}, colocation group {model.ColocationGroup}",
            TableKind.Reference => "reference table",
            _ => "local table",
        };

        /// <summary>The first table by name of each colocation group: the one Citus creates the group's shards for.</summary>
        private static Dictionary<string, string> FirstTableOfEachGroup(SchemaModel schema)
        {
            var first = new Dictionary<string, string>(System.StringComparer.Ordinal);
            foreach (var model in schema.Tables)
            {
                if (model.ColocationGroup is { } group && !first.ContainsKey(group))
                {
                    first.Add(group, model.Table.TableName);
                }
            }

            return first;
        }

        /// <summary>
        /// A string constant as a raw string literal on its own lines, so the SQL reads as SQL. A raw literal
        /// cannot hold <c>"""</c> (a table name with quotes could make one) nor line breaks other than
        /// <c>\n</c>; then the constant falls back to an ordinary escaped literal.
        /// </summary>
        private static void WriteConstant(IndentedWriter writer, string name, string value)
        {
            writer.Line($"public const string {name} =");
            using (writer.Indent())
            {
                if (value.Contains("\"\"\"") || value.IndexOfAny(new[] { '\r', '\u0085', '\u2028', '\u2029' }) >= 0)
                {
                    writer.Line(Literal(value) + ";");
                    return;
                }

                var indentation = new string(' ', writer.Depth * 4);
                writer.Line("\"\"\"");
                foreach (var line in value.TrimEnd('\n').Split('\n'))
                {
                    writer.RawLine(line.Length == 0 ? string.Empty : indentation + line);
                }

                writer.Line("\"\"\";");
            }
        }

        private static string RepositoryType(TableSpec table) =>
            (table.Namespace.Length == 0 ? "global::" : "global::" + table.Namespace + ".") + table.TypeName + "Repository";
    }
}
