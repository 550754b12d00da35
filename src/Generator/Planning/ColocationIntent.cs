using System;
using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;

namespace ShardGen.Generator.Planning;

/// <summary>
/// Whether two distributed tables of one colocation group share it on purpose. By default every table whose key has
/// the same type lands in one group, so <c>orders</c> by <c>tenant_id</c> and <c>devices</c> by <c>device_id</c> (both
/// bigint) share shards although their keys hold different things; Citus colocates them the same way and joins them
/// on those keys without a word. Two tables mean the same key when their key columns have the same name, or when the
/// user tied them together: one colocates with the other (<c>ColocateWith</c>, directly or through other tables), or
/// both name the same group (<c>Colocation = "name"</c>).
/// </summary>
internal static class ColocationIntent
{
    public static bool OnPurpose(TableModel a, TableModel b, IEnumerable<TableModel> tables)
    {
        if (a.ColocationGroup is null || a.ColocationGroup != b.ColocationGroup)
        {
            return false;
        }

        if (string.Equals(KeyName(a.Table), KeyName(b.Table), StringComparison.Ordinal))
        {
            return true;
        }

        var byType = tables.GroupBy(t => t.Table.FullTypeName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Table, StringComparer.Ordinal);
        return string.Equals(Anchor(a.Table, byType), Anchor(b.Table, byType), StringComparison.Ordinal);
    }

    public static string KeyName(TableSpec table) => table.Columns[table.DistributionKey].ColumnName;

    /// <summary>
    /// What a table's group was chosen by: the group it names, else the table its <c>ColocateWith</c> chain ends at
    /// (itself when it has none). Two tables tied by <c>ColocateWith</c> reach the same table.
    /// </summary>
    private static string Anchor(TableSpec table, Dictionary<string, TableSpec> byType)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        while (table.Colocation == ColocationRequest.With && visited.Add(table.FullTypeName)
            && table.ColocationArgument is { } target && byType.TryGetValue(target, out var next))
        {
            table = next;
        }

        return table.Colocation == ColocationRequest.Named ? "group:" + table.ColocationArgument : "table:" + table.FullTypeName;
    }
}
