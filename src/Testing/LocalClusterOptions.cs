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

    /// <summary>
    /// The libc locale of every server (<c>initdb --locale</c>): what text sorts by unless <see cref="IcuLocale"/>
    /// is set. <c>C</c> when null. The machine must have it (<c>locale -a</c>; as root,
    /// <c>localedef -i en_US -f UTF-8 en_US.UTF-8</c> adds <c>en_US.UTF-8</c>), or the cluster does not start.
    /// </summary>
    public string? Locale { get; init; }

    /// <summary>
    /// An ICU locale (<c>en-US</c>, <c>und</c>) for every server's default collation
    /// (<c>initdb --locale-provider=icu --icu-locale</c>, PostgreSQL 15 and later); null for the libc provider.
    /// </summary>
    public string? IcuLocale { get; init; }

    /// <summary>The initdb arguments that give the servers their locale and default collation.</summary>
    internal IReadOnlyList<string> InitDbLocaleArguments()
    {
        var arguments = new List<string> { "--locale=" + (Locale ?? "C") };
        if (IcuLocale is not null)
        {
            arguments.Add("--locale-provider=icu");
            arguments.Add("--icu-locale=" + IcuLocale);
        }

        return arguments;
    }
}
