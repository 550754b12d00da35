namespace ShardGen.Testing;

/// <summary>How <see cref="LocalPostgresCluster"/> creates its servers.</summary>
public sealed record LocalClusterOptions
{
    /// <summary>Leave the data directories and logs on disk after disposal, to look at a failed run.</summary>
    public bool KeepDataDirectory { get; init; }

    /// <summary>
    /// Server settings (<c>postgresql.conf</c> names) applied on top of the defaults, which favour speed
    /// over durability (<c>fsync=off</c>) and allow two-phase commit (<c>max_prepared_transactions=100</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string>? ExtraSettings { get; init; }

    /// <summary>
    /// The directory holding <c>initdb</c> and <c>pg_ctl</c>. When null: <c>SHARDGEN_PG_BIN</c>, then the
    /// newest <c>/usr/lib/postgresql/*/bin</c>, then <c>pg_config --bindir</c>.
    /// </summary>
    public string? BinDirectory { get; init; }
}
