namespace ShardGen;

/// <summary>What distributes the tables: the same generated code runs on either (<c>docs/citus.md</c>).</summary>
public enum ShardEngine
{
    /// <summary>
    /// Plain PostgreSQL servers: ShardGen is the distributed engine. Its metadata (<c>shardgen.*</c> on the
    /// coordinator) says where shards live; routed calls go to a shard table on its worker, multi-shard queries are
    /// ShardGen's fan-outs, and distributed writes commit with ShardGen's two-phase commit.
    /// </summary>
    Native,

    /// <summary>
    /// A Citus cluster: Citus's catalogs say where shards live. Routed calls go to the node holding the shard's
    /// placement, written against the distributed table, so Citus runs them there locally; everything else is sent to
    /// Citus as written, and Citus commits distributed transactions.
    /// </summary>
    Citus,
}
