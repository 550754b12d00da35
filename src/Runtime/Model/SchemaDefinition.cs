namespace ShardGen.Model;

/// <summary>Every table of one compiled model (one assembly), as the generated entry point exposes it.</summary>
public sealed class SchemaDefinition
{
    private readonly Dictionary<string, TableDefinition> _byName;

    public SchemaDefinition(IReadOnlyList<TableDefinition> tables)
    {
        Tables = tables;
        _byName = new Dictionary<string, TableDefinition>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            if (!_byName.TryAdd(table.Name, table))
            {
                throw new ArgumentException($"Two tables are named '{table.Name}'.", nameof(tables));
            }
        }

        var groups = new SortedDictionary<string, DistributionKeyType>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            if (table.Kind != TableKind.Distributed)
            {
                continue;
            }

            if (groups.TryGetValue(table.ColocationGroup!, out var keyType) && keyType != table.KeyType)
            {
                throw new ArgumentException(
                    $"Table '{table.Name}' has a {table.KeyType.SqlType()} key but colocation group '{table.ColocationGroup}' holds {keyType.SqlType()} keys.",
                    nameof(tables));
            }

            groups[table.ColocationGroup!] = table.KeyType;
        }

        ColocationGroups = groups.Select(g => new ColocationGroupDefinition(g.Key, g.Value)).ToArray();
    }

    public IReadOnlyList<TableDefinition> Tables { get; }

    /// <summary>The colocation groups the distributed tables name, in ordinal order of their names.</summary>
    public IReadOnlyList<ColocationGroupDefinition> ColocationGroups { get; }

    public TableDefinition this[string name] =>
        _byName.TryGetValue(name, out var table) ? table : throw new KeyNotFoundException($"The model has no table '{name}'.");

    public bool TryGetTable(string name, out TableDefinition table) => _byName.TryGetValue(name, out table!);
}

/// <summary>A colocation group: tables whose shard i always sits on the same worker.</summary>
public sealed record ColocationGroupDefinition(string Name, DistributionKeyType KeyType);
