using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

public sealed partial class ShardGenGenerator
{
    /// <summary>
    /// Builds the <see cref="SchemaModel"/> from every table spec of the compilation: the facts no single
    /// type can decide (colocation groups, unique table and property names). A table that conflicts with
    /// another is left out, never the whole model, and never with an exception.
    /// </summary>
    internal static class SchemaBuilder
    {
        // Members of ShardDatabase itself; a table property cannot take these names.
        private static readonly HashSet<string> ReservedPropertyNames = new(StringComparer.Ordinal)
        {
            "ShardDatabase", "Schema", "DataSource", "ApplySchemaAsync", "CitusDdl", "NativeDdlTemplate",
            "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "ReferenceEquals", "Finalize",
        };

        public static SchemaModel Build(EquatableArray<TableSpec> specs, string? assemblyName, CancellationToken cancellationToken, List<TableProblem>? problems = null)
        {
            var tables = UniqueTypes(specs);

            // Table names are unique: on a clash the first type by full name keeps the name.
            tables = tables
                .OrderBy(t => t.TableName, StringComparer.Ordinal)
                .ThenBy(t => t.FullTypeName, StringComparer.Ordinal)
                .ToList();
            foreach (var clash in tables.Where((t, i) => i > 0 && tables[i - 1].TableName == t.TableName))
            {
                problems?.Add(new TableProblem(clash.FullTypeName, RuleIds.NameClash, $"Table name '{clash.TableName}' is taken by another type: give '{clash.TypeName}' another name with Table = \"...\".", ProblemTarget.Attribute));
            }

            tables = tables.Where((t, i) => i == 0 || tables[i - 1].TableName != t.TableName).ToList();

            // The entry point's property names are unique too (two types named Order in different
            // namespaces): the first table by name keeps the property, the other type is skipped.
            var propertyNames = new HashSet<string>(StringComparer.Ordinal);
            tables = tables.Where(t =>
            {
                var name = Naming.PropertyName(t.TypeName);
                if (!ReservedPropertyNames.Contains(name) && propertyNames.Add(name))
                {
                    return true;
                }

                problems?.Add(new TableProblem(t.FullTypeName, RuleIds.NameClash, $"The entry point cannot name a repository '{name}' for '{t.TypeName}': the name is taken. Rename the type.", ProblemTarget.Type));
                return false;
            }).ToList();

            cancellationToken.ThrowIfCancellationRequested();
            var groups = ResolveColocationGroups(tables);
            if (problems is not null)
            {
                foreach (var table in tables.Where(t => t.Kind == TableKind.Distributed && !groups.ContainsKey(t.FullTypeName)))
                {
                    problems.Add(ColocationProblem(table, tables, groups));
                }
            }
            tables = tables.Where(t => t.Kind != TableKind.Distributed || groups.ContainsKey(t.FullTypeName)).ToList();
            var byType = tables.ToDictionary(t => t.FullTypeName, StringComparer.Ordinal);
            var relationOwners = tables.ToDictionary(t => t.TableName, t => t.TableName, StringComparer.Ordinal);
            foreach (var table in tables)
            {
                relationOwners[table.TableName + "_pkey"] = table.TableName;
            }

            var models = tables
                .Select(t => WithSupportedObjects(t, groups, byType, specs, relationOwners, problems))
                .Select(t => new TableModel(
                    t,
                    t.Kind == TableKind.Distributed ? groups[t.FullTypeName] : null,
                    Naming.PropertyName(t.TypeName)))
                .ToEquatableArray();

            return new SchemaModel(
                Naming.NamespaceOf(assemblyName),
                models.All(m => m.Table.IsPublic),
                models);
        }

        /// <summary>
        /// The table with the foreign keys Citus supports (resolved to the principal's table and key) and the indexes whose
        /// names are free in the schema; each one left out is reported. Index names (a unique constraint's too: it is an index) share PostgreSQL's namespace with tables,
        /// so two tables cannot have indexes of one name; <paramref name="relationOwners"/> holds the names taken so far.
        /// </summary>
        private static TableSpec WithSupportedObjects(TableSpec table, Dictionary<string, string> groups, Dictionary<string, TableSpec> byType, EquatableArray<TableSpec> specs, Dictionary<string, string> relationOwners, List<TableProblem>? problems)
        {
            var foreignKeys = new List<ForeignKeySpec>();
            foreach (var key in table.ForeignKeys)
            {
                if (ForeignKeyProblem(table, key, groups, byType, specs) is { } problem)
                {
                    problems?.Add(problem);
                }
                else
                {
                    var principal = byType[key.PrincipalType];
                    foreignKeys.Add(key with
                    {
                        PrincipalTable = principal.TableName,
                        PrincipalKey = principal.PrimaryKey.Select(c => principal.Columns[c].ColumnName).ToEquatableArray(),
                    });
                }
            }

            bool IsFree(string name, string what, string attribute, int ordinal)
            {
                if (relationOwners.TryGetValue(name, out var owner))
                {
                    problems?.Add(new TableProblem(table.FullTypeName, RuleIds.TableObjectNameTaken,
                        $"{what} name '{name}' of table '{table.TableName}' is taken by {(owner == name ? "table" : "an index of table")} '{owner}': index and table names share the schema in PostgreSQL. Give it another Name.",
                        ProblemTarget.SchemaAttribute, Skipped: false, At: new AttributeRef(attribute, ordinal, "Name")));
                    return false;
                }

                relationOwners.Add(name, table.TableName);
                return true;
            }

            var uniques = table.UniqueConstraints.Where(u => IsFree(u.Name, "Unique constraint", Parser.UniqueAttribute, u.Ordinal)).ToList();
            var indexes = table.Indexes.Where(i => IsFree(i.Name, "Index", Parser.IndexAttribute, i.Ordinal)).ToList();
            return table.ForeignKeys.Count == 0 && uniques.Count == table.UniqueConstraints.Count && indexes.Count == table.Indexes.Count
                ? table
                : table with
                {
                    ForeignKeys = foreignKeys.ToEquatableArray(),
                    UniqueConstraints = uniques.ToEquatableArray(),
                    Indexes = indexes.ToEquatableArray(),
                };
        }

        /// <summary>
        /// Why Citus refuses a foreign key (null when it supports it): between colocated distributed tables whose key
        /// includes the distribution column at the position of the principal's (its primary key starts with it), from a
        /// distributed or reference table to a reference table, from a local table to a local or reference table. The
        /// columns fit the principal's primary key: as many, of the same PostgreSQL types.
        /// </summary>
        private static TableProblem? ForeignKeyProblem(TableSpec table, ForeignKeySpec key, Dictionary<string, string> groups, Dictionary<string, TableSpec> byType, EquatableArray<TableSpec> specs)
        {
            TableProblem Problem(string rule, string message, string? argument = null, int element = -1) =>
                new(table.FullTypeName, rule, message, ProblemTarget.SchemaAttribute, Skipped: false, At: new AttributeRef(Parser.ForeignKeyAttribute, key.Ordinal, argument, element));

            var principalName = key.PrincipalType.Replace("global::", string.Empty);
            var what = $"Foreign key '{key.Name}' of {Describe(table.Kind)} '{table.TableName}'";
            if (!byType.TryGetValue(key.PrincipalType, out var principal))
            {
                return Problem(RuleIds.ForeignKeyNotSupported, specs.Any(s => s.FullTypeName == key.PrincipalType)
                    ? $"{what} references {principalName}, which gets no table (see its own diagnostics): fix it first."
                    : $"{what} references {principalName}, which is not a table of this model: a foreign key references a [Distributed], [Reference] or [Local] type of the same assembly.", "principal");
            }

            var refused = (table.Kind, principal.Kind) switch
            {
                (TableKind.Reference or TableKind.Local, TableKind.Distributed) =>
                    "Citus: \"foreign keys from reference tables and local tables to distributed tables are not supported\" (a distributed table's rows are spread over the workers, so no node holds all the rows a copy would reference). Reference the other way round, or make the principal a reference table.",
                (TableKind.Distributed or TableKind.Reference, TableKind.Local) =>
                    "Citus: \"referenced table must be a distributed table or a reference table\": \"To enforce foreign keys, the referencing and referenced rows need to be stored on the same node\", and a local table is on the coordinator only. Make the principal a reference table.",
                (TableKind.Distributed, TableKind.Distributed) when groups[table.FullTypeName] != groups[principal.FullTypeName] =>
                    $"the tables are in colocation groups '{groups[table.FullTypeName]}' and '{groups[principal.FullTypeName]}'. Citus: \"cannot create foreign key constraint since relations are not colocated or not referencing a reference table\". Colocate them (ColocateWith = typeof({principal.TypeName})).",
                _ => null,
            };
            if (refused is not null)
            {
                return Problem(RuleIds.ForeignKeyNotSupported, $"{what} references {Describe(principal.Kind)} '{principal.TableName}': {refused}", "principal");
            }

            var principalKey = string.Join(", ", principal.PrimaryKey.Select(c => "'" + principal.Columns[c].ColumnName + "'"));
            if (key.Columns.Count != principal.PrimaryKey.Count)
            {
                return Problem(RuleIds.ForeignKeyDoesNotMatch,
                    $"{what} has {Count(key.Columns.Count)} but the primary key of '{principal.TableName}' ({principalKey}) has {Count(principal.PrimaryKey.Count)}: name one property per primary key column, in its order.");
            }

            if (table.Kind == TableKind.Distributed && principal.Kind == TableKind.Distributed && key.Columns[0] != table.DistributionKey)
            {
                return Problem(RuleIds.ForeignKeyNotSupported,
                    $"{what} starts with '{table.Columns[key.Columns[0]].PropertyName}', but the primary key of '{principal.TableName}' starts with its distribution key, so the key's first property must be this table's distribution key '{table.Columns[table.DistributionKey].PropertyName}'. Citus: \"Foreign keys are supported in two cases, either in between two colocated tables including partition column in the same ordinal in the both tables or from distributed to reference tables\".",
                    "propertyNames", 0);
            }

            for (var i = 0; i < key.Columns.Count; i++)
            {
                var column = table.Columns[key.Columns[i]];
                var referenced = principal.Columns[principal.PrimaryKey[i]];
                if (SqlTypes.SqlType(column.Type) != SqlTypes.SqlType(referenced.Type))
                {
                    return Problem(RuleIds.ForeignKeyDoesNotMatch,
                        $"{what}: '{column.PropertyName}' is {SqlTypes.SqlType(column.Type)} but the column it references, '{principal.TableName}'.'{referenced.ColumnName}', is {SqlTypes.SqlType(referenced.Type)}: give the property the type of {principal.TypeName}.{referenced.PropertyName}.",
                        "propertyNames", i);
                }
            }

            return null;
        }

        private static string Describe(TableKind kind) => kind switch
        {
            TableKind.Distributed => "distributed table",
            TableKind.Reference => "reference table",
            _ => "local table",
        };

        private static string Count(int columns) => columns == 1 ? "1 column" : columns.ToString(System.Globalization.CultureInfo.InvariantCulture) + " columns";

        /// <summary>One spec per type: a type seen twice (a partial type with the attribute repeated, which is
        /// already a compile error) is kept only when both readings agree.</summary>
        private static List<TableSpec> UniqueTypes(EquatableArray<TableSpec> specs)
        {
            var byType = new Dictionary<string, TableSpec?>(StringComparer.Ordinal);
            foreach (var spec in specs)
            {
                if (byType.TryGetValue(spec.FullTypeName, out var seen))
                {
                    byType[spec.FullTypeName] = Equals(seen, spec) ? seen : null;
                }
                else
                {
                    byType.Add(spec.FullTypeName, spec);
                }
            }

            return byType.Values.Where(s => s is not null).Select(s => s!).ToList();
        }

        /// <summary>
        /// The colocation group of each distributed table, by full type name; a table missing from the
        /// result is skipped. The conventions:
        /// <list type="bullet">
        /// <item>by default, the group of the key type, named after its PostgreSQL type: <c>int4</c>, <c>int8</c>, <c>text</c>, <c>uuid</c>;</item>
        /// <item><c>Colocation = "name"</c>: the group <c>name</c>;</item>
        /// <item><c>Colocation = "none"</c>: a group named after the table;</item>
        /// <item><c>ColocateWith = typeof(X)</c>: X's group, when X is a distributed table of the model with the same key type
        /// (else, or in a cycle, the table is skipped).</item>
        /// </list>
        /// A group holds one key type: a default group's is the one it is named after; any other group's is the
        /// key type of its first table by name. A table whose key type differs is skipped, and so are the tables
        /// that colocate with it, until nothing changes.
        /// </summary>
        private static Dictionary<string, string> ResolveColocationGroups(List<TableSpec> tables)
        {
            var candidates = tables.Where(t => t.Kind == TableKind.Distributed).ToDictionary(t => t.FullTypeName, StringComparer.Ordinal);
            while (true)
            {
                var groups = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var table in candidates.Values)
                {
                    if (Resolve(table, candidates, new HashSet<string>(StringComparer.Ordinal)) is { } group)
                    {
                        groups[table.FullTypeName] = group;
                    }
                }

                var groupKeyTypes = new Dictionary<string, DistributionKeyType>(StringComparer.Ordinal);
                foreach (var keyType in new[] { DistributionKeyType.Int32, DistributionKeyType.Int64, DistributionKeyType.Text, DistributionKeyType.Uuid })
                {
                    groupKeyTypes[SqlTypes.DefaultColocationGroup(keyType)] = keyType;
                }

                foreach (var table in tables)
                {
                    if (groups.TryGetValue(table.FullTypeName, out var group) && !groupKeyTypes.ContainsKey(group))
                    {
                        groupKeyTypes.Add(group, table.KeyType);
                    }
                }

                var rejected = candidates.Values
                    .Where(t => !groups.TryGetValue(t.FullTypeName, out var group) || groupKeyTypes[group] != t.KeyType)
                    .Select(t => t.FullTypeName)
                    .ToList();
                if (rejected.Count == 0)
                {
                    return groups;
                }

                foreach (var name in rejected)
                {
                    candidates.Remove(name);
                }
            }
        }

        /// <summary>Why a distributed table got no colocation group.</summary>
        private static TableProblem ColocationProblem(TableSpec table, List<TableSpec> tables, Dictionary<string, string> groups)
        {
            if (table.Colocation == ColocationRequest.With)
            {
                var target = tables.FirstOrDefault(t => t.FullTypeName == table.ColocationArgument);
                var targetName = table.ColocationArgument!.Replace("global::", string.Empty);
                if (target is null || target.Kind != TableKind.Distributed)
                {
                    return new TableProblem(table.FullTypeName, RuleIds.ColocateWithNotDistributed,
                        $"ColocateWith of '{table.TypeName}' names {targetName}, which is not a distributed table of this model: only distributed tables have shards to colocate with.", ProblemTarget.ColocationArgument);
                }

                if (target.KeyType != table.KeyType)
                {
                    return new TableProblem(table.FullTypeName, RuleIds.ColocateWithOtherKeyType,
                        $"'{table.TypeName}' is distributed by {SqlTypes.DefaultColocationGroup(table.KeyType)} keys but {target.TypeName} by {SqlTypes.DefaultColocationGroup(target.KeyType)} keys: colocated tables hash the same key type.", ProblemTarget.ColocationArgument);
                }

                if (!groups.ContainsKey(target.FullTypeName))
                {
                    return new TableProblem(table.FullTypeName, RuleIds.ColocateWithNotDistributed,
                        $"ColocateWith of '{table.TypeName}' names {targetName}, which has no colocation group itself (see its own diagnostic, or a ColocateWith cycle).", ProblemTarget.ColocationArgument);
                }
            }

            return new TableProblem(table.FullTypeName, RuleIds.ColocateWithOtherKeyType,
                $"Colocation group of '{table.TypeName}' holds keys of another type than its {SqlTypes.DefaultColocationGroup(table.KeyType)} key: give it its own group (Colocation = \"none\" or another name).", ProblemTarget.ColocationArgument);
        }

        private static string? Resolve(TableSpec table, Dictionary<string, TableSpec> candidates, HashSet<string> visiting)
        {
            switch (table.Colocation)
            {
                case ColocationRequest.Named:
                    return table.ColocationArgument;
                case ColocationRequest.None:
                    return table.TableName;
                case ColocationRequest.With:
                    if (!visiting.Add(table.FullTypeName)
                        || !candidates.TryGetValue(table.ColocationArgument!, out var target)
                        || target.KeyType != table.KeyType)
                    {
                        return null;
                    }

                    return Resolve(target, candidates, visiting);
                default:
                    return SqlTypes.DefaultColocationGroup(table.KeyType);
            }
        }
    }
}
