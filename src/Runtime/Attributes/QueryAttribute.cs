namespace ShardGen;

/// <summary>
/// Marks a partial method whose body ShardGen generates from <see cref="Sql"/>.
/// </summary>
/// <remarks>
/// The SQL is PostgreSQL; <c>@name</c> placeholders are bound to the method's parameters of the same
/// name. The statement is parsed and planned at build time: a query pinned to one distribution key
/// becomes a router query on that key's shard, one that is not becomes a fan-out over every shard
/// with its rows merged, and a query over reference or local tables runs on one copy or on the
/// coordinator. What ShardGen cannot plan is a build diagnostic on the span of the SQL, never a
/// run-time surprise.
/// </remarks>
/// <example>
/// <code>
/// [Query("SELECT id, balance FROM accounts WHERE tenant_id = @tenantId ORDER BY id")]
/// public partial Task&lt;List&lt;AccountBalance&gt;&gt; BalancesAsync(long tenantId, CancellationToken cancellationToken = default);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class QueryAttribute : Attribute
{
    public QueryAttribute(string sql) => Sql = sql;

    /// <summary>The PostgreSQL statement, with <c>@name</c> parameters bound to the method's parameters.</summary>
    public string Sql { get; }
}
